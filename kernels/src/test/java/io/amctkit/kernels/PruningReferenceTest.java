package io.amctkit.kernels;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** 2:4 masks (incl. the exhaustive tie table) and balanced-L2 filter pruning (incl. the cal_prune_num table). */
class PruningReferenceTest {

    static final JsonNode SELECTIVE = KernelReference.load("selective_mask_gen.json");
    static final JsonNode BCP = KernelReference.load("filter_prune_bcp.json");

    static Stream<Arguments> selectiveCases() {
        return BackendContract.cross(ScaleOffsetReferenceTest.list(SELECTIVE.get("cases")));
    }

    static Stream<Arguments> bcpCases() {
        return BackendContract.cross(ScaleOffsetReferenceTest.list(BCP.get("cases")));
    }

    @Test
    void everyTiePatternIsPrunedAsTorchTopkDoes() {
        int rows = 0;
        for (JsonNode row : SELECTIVE.get("tie_table")) {
            float[] a = KernelReference.floats(row.get("abs_values"));
            int[] expected = KernelReference.ints(row.get("pruned_positions"));
            int[] pruned = NthElement.smallestTwoOfFour(a[0], a[1], a[2], a[3]);
            java.util.Arrays.sort(pruned);
            java.util.Arrays.sort(expected);
            assertArrayEquals(expected, pruned, "pattern " + java.util.Arrays.toString(a));
            rows++;
        }
        assertEquals(256, rows);
    }

    @ParameterizedTest(name = "{0} {index}")
    @MethodSource("selectiveCases")
    void selectiveMask(String backend, JsonNode c) {
        INDArray w = KernelReference.tensor(c.get("weight"));
        INDArray mask = BackendContract.kernels(backend).selectiveMask(w, c.get("prune_axis").asInt());
        KernelReference.assertBits(KernelReference.floats(c.get("mask")), KernelReference.values(mask), c.get("name").asText());
    }

    @Test
    void cinAxisAndUpdateSchedule() {
        JsonNode axes = SELECTIVE.get("prune_axis_by_module_type");
        for (String type : new String[]{"Conv2d", "Linear", "ConvTranspose2d"}) {
            assertEquals(axes.get(type).asInt(), SelectiveMask.cinAxis(type));
        }
        assertTrue(SelectiveMask.refreshes(0, 0));
        assertTrue(!SelectiveMask.refreshes(0, 1));
        assertTrue(SelectiveMask.refreshes(1, 7));
        assertTrue(SelectiveMask.refreshes(3, 6) && !SelectiveMask.refreshes(3, 7));
    }

    @Test
    void pruneCountTable() {
        int rows = 0;
        for (JsonNode r : BCP.get("cal_prune_num_table")) {
            assertEquals(r.get("prune_num").asInt(), PruneCount.of(r.get("num").asInt(), r.get("prune_ratio").asDouble(),
                    r.get("ascend_optimized").asBoolean(), r.get("prune_group").asInt()), r.toString());
            rows++;
        }
        assertEquals(1026, rows);
    }

    @ParameterizedTest(name = "{0} {index}")
    @MethodSource("bcpCases")
    void filterPrune(String backend, JsonNode c) {
        Kernels kernels = BackendContract.kernels(backend);
        List<INDArray> tensors = new ArrayList<>();
        c.get("tensors").forEach(t -> tensors.add(KernelReference.tensor(t)));
        int[] axes = KernelReference.ints(c.get("prune_axes"));
        String name = c.get("name").asText();
        if (c.has("error")) {
            KernelException e = assertThrows(KernelException.class, () -> kernels.filterPrune(name, tensors, axes,
                    c.get("prune_ratio").asDouble(), c.get("prune_group").asInt(), c.get("ascend_optimized").asBoolean()));
            assertTrue(e.getMessage().startsWith(name + ":"), e.getMessage());
            return;
        }
        FilterPruner.Result r = kernels.filterPrune(name, tensors, axes, c.get("prune_ratio").asDouble(),
                c.get("prune_group").asInt(), c.get("ascend_optimized").asBoolean());
        KernelReference.assertBits(KernelReference.floats(c.get("mask")), r.mask(), name + " mask");
        assertArrayEquals(KernelReference.ints(c.get("pruned_indices")), r.prunedIndices(), name);
        JsonNode norms = c.get("normalized_l2_per_tensor");
        for (int t = 0; t < norms.size(); t++) {
            float[] expected = KernelReference.floats(norms.get(t));
            for (int i = 0; i < expected.length; i++) {
                float e = expected[i];
                float a = r.normalizedNorms().get(t)[i];
                assertTrue(Float.isNaN(e) ? Float.isNaN(a) : Math.abs(e - a) <= 1e-6f, name + " norm[" + t + "][" + i + "]: " + e + " vs " + a);
            }
        }
    }

    @Test
    void ascendOptimizedThatKeepsEverythingSaysSo() {
        INDArray w = Tensors.of(new float[]{3, 4, 1, 0, 0, 2, 0.6f, 0.8f, 2, 0, 0, 0, 1, 1, 6, 8}, 8, 2);
        FilterPruner.Result r = FilterPruner.prune("fc", List.of(w), new int[]{0}, 0.3, 1, true);
        assertEquals(0, r.prunedIndices().length);
        assertTrue(r.diagnostics().get(0).contains("ascend_optimized keeps 16 of 8 channels: nothing is pruned"), r.diagnostics().toString());
    }
}
