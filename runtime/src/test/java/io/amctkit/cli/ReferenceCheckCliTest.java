package io.amctkit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.amctkit.cli.CliTest.reference;
import static io.amctkit.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code reference check} on cases of the kinds AMCT's held-out data has: files AMCT cannot parse (compared by
 * position), IFMR module cases with bare input names, malformed cases, and folders with nothing to replay.
 */
class ReferenceCheckCliTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** A resolution case AMCT rejects with {@code ParseError: message} in both modes. */
    Path parseErrorCase(Path folder, String id, String cfg, String amctMessage) throws IOException {
        ObjectNode c = JSON.createObjectNode().put("id", id).put("cfg_file", id + ".cfg").put("cfg_text", cfg).put("layer_set", "SEED");
        ObjectNode results = c.putObject("results");
        for (String mode : new String[]{"quant_retrain", "prune_or_compressed_api"}) {
            ObjectNode r = results.putObject(mode).put("status", "error");
            r.putObject("error").put("type", "ParseError").put("message", amctMessage).putArray("args").add(amctMessage);
            r.putArray("warnings");
        }
        Path file = folder.resolve(id + ".json");
        JSON.writeValue(file.toFile(), c);
        return file;
    }

    Path resolutionFolder() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("ref/resolution"));
        Files.copy(reference().resolve("resolution/_index.json"), folder.resolve("_index.json"));
        return folder;
    }

    @Test
    void aFileAmctCannotParsePassesWhenAmctkitRejectsItAtTheSamePlace() throws IOException {
        Path folder = resolutionFolder();
        String quant = "retrain_data_quant_config {\n  ulq_quantize {\n    clip_max_min {\n      clip_max: 3\n      clip_min: -3\n    }\n  }\n}\n";
        parseErrorCase(folder, "unknown_then_semicolon", quant.replace("}\n}\n", "}\n}\nactivation_offset;\n"),
                "9:1 : Message type \"AMCTRetrainConfig\" has no field named \"activation_offset\".");
        parseErrorCase(folder, "unknown_in_open_block", "retrain_data_quant_config {\n  ulq_quantize {\n    fixed_minn: true\n",
                "3:5 : Message type \"ULQuantize\" has no field named \"fixed_minn\".");
        parseErrorCase(folder, "enum_case", "retrain_weight_quant_config {\n  arq_retrain {\n    dst_type: int8\n  }\n}\n",
                "3:15 : Enum type \"DataType\" has no value named int8.");
        CliTest.Result r = run("reference", "check", dir.resolve("ref").toString());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("resolution/unknown_then_semicolon.json: 2/2"), r.out());
        assertTrue(r.out().contains("resolution/unknown_in_open_block.json: 2/2"), r.out());
        assertTrue(r.out().strip().endsWith("reference: 6 passed, 0 failed"), r.out());
        assertTrue(r.out().contains("replayed 3 resolution cases (resolution/), 0 kernel files"), r.out());
    }

    @Test
    void aParseErrorAtAnotherPlacePrintsBothMessages() throws IOException {
        parseErrorCase(resolutionFolder(), "elsewhere", "batch_num: 1\nskip_layer: \"fc\"\n",
                "1:1 : Message type \"AMCTRetrainConfig\" has no field named \"batch_num\".");
        CliTest.Result r = run("reference", "check", dir.resolve("ref").toString());
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.out().contains("both reject the file, at other places: AMCT 1:1 : Message type"), r.out());
        assertTrue(r.out().contains("amctkit elsewhere.cfg:2:1: error"), r.out());
    }

    @Test
    void ifmrModuleCasesAcceptABareInputAndAnyBatchNumAndMalformedOnesFailCleanly() throws IOException {
        ObjectNode ifmr = (ObjectNode) JSON.readTree(reference().resolve("kernels/ifmr.json").toFile());
        ArrayNode modules = (ArrayNode) ifmr.get("module_cases");
        ObjectNode oneBatch = (ObjectNode) modules.get(0);
        String input = oneBatch.get("batches").get(0).asText().split(" \\* ")[0];
        ObjectNode bare = oneBatch.deepCopy();
        ((ArrayNode) bare.get("batches")).removeAll().add(input);                       // "act" = "act * 1"
        ObjectNode three = JSON.createObjectNode().put("batch_num", 3);                 // 2 batches of 3: never ready
        three.putArray("batches").add(input).add(input + " * 2");
        three.putArray("results_per_call").add(JSON.createObjectNode().put("flag", false)).add(JSON.createObjectNode().put("flag", false));
        ObjectNode malformed = bare.deepCopy();
        ((ArrayNode) malformed.get("batches")).removeAll().add("no_such_input * 2");
        modules.removeAll().add(bare).add(three).add(malformed);
        Path kernels = Files.createDirectories(dir.resolve("ref/kernels"));
        JSON.writeValue(kernels.resolve("ifmr.json").toFile(), ifmr);
        CliTest.Result r = run("reference", "check", dir.resolve("ref").toString());
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("module_cases/2 batch_num=1: malformed case: batch 'no_such_input * 2' is not an input of the file"), r.out());
        assertFalse(r.out().contains("module_cases/0"), "the bare input replays: " + r.out());
        assertFalse(r.out().contains("module_cases/1"), "batch_num 3 replays: " + r.out());
        assertFalse((r.out() + r.err()).contains("Exception"), r.out() + r.err());
        assertTrue(r.out().contains("replayed 0 resolution cases (resolution/), 1 kernel file with "), r.out());
    }

    @Test
    void aFolderWithNothingToReplayIsAnError() throws IOException {
        Files.createDirectories(dir.resolve("empty/cfg"));
        CliTest.Result r = run("reference", "check", dir.resolve("empty").toString());
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains("has neither resolution/ nor kernels/"), r.err());
        assertTrue(r.out().isEmpty(), r.out());
    }

    @Test
    void aMalformedCaseFileIsAFailureLine() throws IOException {
        Files.writeString(resolutionFolder().resolve("broken.json"), "{\"results\": ");
        CliTest.Result r = run("reference", "check", dir.resolve("ref").toString());
        assertEquals(1, r.exit(), r.out());
        assertTrue(r.out().contains("resolution/broken.json: 0/1"), r.out());
        assertTrue(r.out().contains("cannot read the case:"), r.out());
    }
}
