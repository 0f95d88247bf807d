package io.amctkit.dsl;

import io.amctkit.dsl.proto.AMCTRetrainConfig;
import io.amctkit.dsl.proto.DataType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reader accepts what AMCT's text_format.Merge accepts, and explains what it rejects with file:line:col. */
class CfgParserTest {

    private static AMCTRetrainConfig parse(String text) {
        return RetrainConfig.parse("t.cfg", text).toProto();
    }

    private static Diagnostic firstError(String text) {
        CfgException e = assertThrows(CfgException.class, () -> RetrainConfig.parse("t.cfg", text));
        assertFalse(e.isIoError());
        return e.diagnostics().get(0);
    }

    @Test
    void acceptsAmctsSyntaxVariants() {
        AMCTRetrainConfig c = parse("""
                # comment
                prune_config : { filter_pruner < balanced_l2_norm_filter_prune { prune_ratio: .3 ascend_optimized: True } > }
                retrain_weight_quant_config { arq_retrain: { channel_wise: t } }
                """);
        assertEquals(0.3f, c.getPruneConfig().getFilterPruner().getBalancedL2NormFilterPrune().getPruneRatio());
        assertTrue(c.getPruneConfig().getFilterPruner().getBalancedL2NormFilterPrune().getAscendOptimized());
        assertTrue(c.getRetrainWeightQuantConfig().getArqRetrain().getChannelWise());
    }

    @Test
    void repeatedFieldsRepeatAndSingularScalarsTakeTheLast() {
        AMCTRetrainConfig c = parse("skip_layers: \"a\" skip_layers: \"b\" batch_num: 2 batch_num: 3");
        assertEquals(java.util.List.of("a", "b"), c.getSkipLayersList());
        assertEquals(3, c.getBatchNum());
    }

    @Test
    void singularMessagesGivenTwiceAreMergedAndTheLastOneofMemberWins() {
        AMCTRetrainConfig c = parse("""
                retrain_data_quant_config { ulq_quantize { clip_max_min { clip_max: 3 clip_min: -1 } } }
                retrain_data_quant_config { ulq_quantize { fixed_min: true } }
                retrain_weight_quant_config { arq_retrain { channel_wise: true } ulq_retrain { dst_type: INT4 } }
                """);
        assertTrue(c.getRetrainDataQuantConfig().getUlqQuantize().hasClipMaxMin());
        assertTrue(c.getRetrainDataQuantConfig().getUlqQuantize().getFixedMin());
        assertTrue(c.getRetrainWeightQuantConfig().hasUlqRetrain());
        assertFalse(c.getRetrainWeightQuantConfig().hasArqRetrain());
    }

    @Test
    void numbersAndEnumsAsPythonReadsThem() {
        AMCTRetrainConfig c = parse("""
                batch_num: 0x5
                retrain_data_quant_config { ulq_quantize { dst_type: 2 clip_max_min { clip_max: inf clip_min: -3e-1 } } }
                prune_config { filter_pruner { balanced_l2_norm_filter_prune { prune_ratio: 0.5f } } }
                skip_layers: "layer" "1.0"
                """);
        assertEquals(5, c.getBatchNum());
        assertEquals(DataType.INT16, c.getRetrainDataQuantConfig().getUlqQuantize().getDstType());
        assertEquals(Float.POSITIVE_INFINITY, c.getRetrainDataQuantConfig().getUlqQuantize().getClipMaxMin().getClipMax());
        assertEquals(-0.3f, c.getRetrainDataQuantConfig().getUlqQuantize().getClipMaxMin().getClipMin());
        assertEquals(0.5f, c.getPruneConfig().getFilterPruner().getBalancedL2NormFilterPrune().getPruneRatio());
        assertEquals("layer1.0", c.getSkipLayers(0));
    }

    @Test
    void missingRequiredFieldsAreLeftToValidationNotThrown() {
        RetrainConfig c = RetrainConfig.parse("t.cfg", "retrain_data_quant_config { ulq_quantize { clip_max_min { clip_max: 3 } } }");
        assertFalse(c.toProto().isInitialized());
        Diagnostics d = c.validate(Mode.QUANT);
        assertTrue(d.has("CLIP-INCOMPLETE"), d.toString());
    }

    @Test
    void unknownFieldSuggestsTheRightNameAtItsPosition() {
        Diagnostic d = firstError("batch_num: 1\n  skip_layer: \"fc\"\n");
        assertEquals("CFG-UNKNOWN-FIELD", d.code());
        assertEquals("t.cfg:2:3", d.position().orElseThrow().toString());
        assertTrue(d.message().contains("did you mean 'skip_layers'?"), d.message());
    }

    /** AMCT's parser (Python text_format) stops at the first unknown field; so does amctkit's first diagnostic. */
    @Test
    void anUnknownFieldFollowedBySemicolonIsTheErrorAmctReports() {
        Diagnostic d = firstError("batch_num: 1\nretrain_data_quant_config {\n  ulq_quantize {\n    clip_max_min {\n"
                + "      clip_max: 3 clip_min: -3 }\n  }\n}\nactivation_offset;\n");
        assertEquals("CFG-UNKNOWN-FIELD", d.code(), d.toString());
        assertEquals("t.cfg:8:1", d.position().orElseThrow().toString());
        assertTrue(d.message().contains("'activation_offset'"), d.message());
    }

    @Test
    void anUnknownFieldInABlockLeftOpenIsTheErrorAmctReports() {
        Diagnostic d = firstError("retrain_data_quant_config {\n  ulq_quantize {\n    fixed_minn: true\n");
        assertEquals("CFG-UNKNOWN-FIELD", d.code(), d.toString());
        assertEquals("t.cfg:3:5", d.position().orElseThrow().toString());
        assertTrue(d.message().contains("did you mean 'fixed_min'?"), d.message());
    }

    @Test
    void aSyntaxErrorBeforeAnyUnknownFieldStaysTheFirstError() {
        Diagnostic d = firstError("batch_num: : 1\nskip_layer: \"a\"\n");
        assertEquals("CFG-SYNTAX", d.code(), d.toString());
        assertEquals(1, d.position().orElseThrow().line());
    }

    @Test
    void everyUnknownFieldIsReported() {
        CfgException e = assertThrows(CfgException.class,
                () -> RetrainConfig.parse("t.cfg", "skip_layer: \"a\"\nprune_config { filter_prunr {} }\n"));
        assertEquals(2, e.diagnostics().size());
        assertTrue(e.diagnostics().get(1).message().contains("'filter_pruner'"), e.diagnostics().get(1).message());
        assertEquals(2, e.diagnostics().get(1).position().orElseThrow().line());
    }

    @Test
    void unknownEnumNameSuggestsTheClosestValue() {
        Diagnostic d = firstError("retrain_data_quant_config {\n  ulq_quantize { dst_type: INT9 }\n}");
        assertEquals("CFG-UNKNOWN-ENUM", d.code());
        assertEquals(2, d.position().orElseThrow().line());
        assertTrue(d.message().contains("did you mean 'INT8'?"), d.message());
        Diagnostic lower = firstError("retrain_data_quant_config { ulq_quantize { dst_type: int8 } }");
        assertTrue(lower.message().contains("'INT8'") && lower.message().contains("case-sensitive"), lower.message());
    }

    @Test
    void onlyM4N2IsAnNOutOfMType() {
        Diagnostic d = firstError("prune_config { n_out_of_m_pruner { l1_selective_prune { n_out_of_m_type: M4N3 } } }");
        assertEquals("CFG-UNKNOWN-ENUM", d.code());
        assertTrue(d.message().contains("AMCT supports only M4N2"), d.message());
        Diagnostic byNumber = firstError("prune_config { n_out_of_m_pruner { l1_selective_prune { n_out_of_m_type: 1 } } }");
        assertTrue(byNumber.message().contains("no value number 1"), byNumber.message());
    }

    @Test
    void negativeUpdateFreqNamesTheField() {
        Diagnostic d = firstError("prune_config { n_out_of_m_pruner { l1_selective_prune {\n update_freq: -1 } } }");
        assertEquals("CFG-NEGATIVE-UINT", d.code());
        assertTrue(d.message().startsWith("update_freq is an unsigned 32-bit integer and must be >= 0"), d.message());
        assertTrue(d.message().endsWith("got -1"), d.message());
        assertEquals(2, d.position().orElseThrow().line());
    }

    @Test
    void unterminatedBlockSaysTheFileEndsInsideIt() {
        Diagnostic d = firstError("retrain_data_quant_config {\n  ulq_quantize {\n");
        assertEquals("CFG-SYNTAX", d.code());
        assertTrue(d.message().contains("close every '{'"), d.message());
    }

    @Test
    void anErrorOnTheLastLineBeforeMoreTextIsNotCalledAnUnclosedBlock() {
        Diagnostic d = firstError("batch_num: 2 retrain_data_quant_config { ulq_quantize { fixed_min: maybe } }");
        assertEquals("CFG-SYNTAX", d.code());
        assertFalse(d.message().contains("the file ends inside"), d.message());
    }

    @Test
    void deepNestingIsASyntaxErrorNotAStackOverflow() {
        Diagnostic d = firstError("a {".repeat(100_000));
        assertEquals("CFG-UNKNOWN-FIELD", d.code(), "AMCT's parser stops at the unknown field a, before any depth limit");
        assertEquals("t.cfg:1:1", d.position().orElseThrow().toString());
        Diagnostic braces = firstError("{".repeat(100_000));
        assertEquals("CFG-SYNTAX", braces.code());
    }

    @Test
    void binaryAndBadEncodingAreRejectedWithPositions(@TempDir Path dir) throws IOException {
        Path garbage = Files.write(dir.resolve("g.cfg"), new byte[]{'b', 'a', 't', 0, (byte) 0xff, 1, 2});
        CfgException binary = assertThrows(CfgException.class, () -> RetrainConfig.read(garbage));
        assertTrue(binary.getMessage().contains("invalid UTF-8") || binary.getMessage().contains("binary"), binary.getMessage());
        Path latin1 = Files.write(dir.resolve("l.cfg"), "skip_layers: \"caf\u00e9\"\n".getBytes(StandardCharsets.ISO_8859_1));
        CfgException encoding = assertThrows(CfgException.class, () -> RetrainConfig.read(latin1));
        Diagnostic d = encoding.diagnostics().get(0);
        assertEquals("CFG-ENCODING", d.code());
        assertEquals(1, d.position().orElseThrow().line());
        assertEquals(18, d.position().orElseThrow().column());
        Path nul = Files.write(dir.resolve("n.cfg"), "batch_num: 1\n\0\0".getBytes(StandardCharsets.UTF_8));
        assertEquals("CFG-BINARY", assertThrows(CfgException.class, () -> RetrainConfig.read(nul)).diagnostics().get(0).code());
        Path bom = Files.write(dir.resolve("b.cfg"), "\uFEFFbatch_num: 1".getBytes(StandardCharsets.UTF_8));
        assertEquals("CFG-ENCODING", assertThrows(CfgException.class, () -> RetrainConfig.read(bom)).diagnostics().get(0).code());
    }

    @Test
    void unreadableInputsAreIoErrors(@TempDir Path dir) {
        CfgException directory = assertThrows(CfgException.class, () -> RetrainConfig.read(dir));
        assertTrue(directory.isIoError());
        assertTrue(directory.getMessage().contains("is a directory"), directory.getMessage());
        CfgException missing = assertThrows(CfgException.class, () -> RetrainConfig.read(dir.resolve("nope.cfg")));
        assertTrue(missing.isIoError());
        assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
    }

    @Test
    void emptyFileIsAValidQuantConfigWithAWarning(@TempDir Path dir) throws IOException {
        RetrainConfig empty = RetrainConfig.read(Files.write(dir.resolve("e.cfg"), new byte[0]));
        assertEquals(Mode.QUANT, empty.inferredMode());
        Diagnostics d = empty.validate();
        assertFalse(d.hasErrors());
        assertTrue(d.has("EMPTY-CONFIG"), d.toString());
        assertTrue(empty.validate(Mode.COMPRESSED).has("NOTHING-CONFIGURED"));
    }
}
