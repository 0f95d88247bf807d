package io.amctkit.dsl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code cfg fmt}'s layout keeps every comment where it was, means the same config, and is a fixed point. */
class CfgFormatTest {

    static List<Path> commentedReferenceCfgs() throws IOException {
        List<Path> commented = new ArrayList<>();
        for (Path p : ReferenceData.cfgFiles()) {
            if (!comments(Files.readString(p)).isEmpty()) {
                commented.add(p);
            }
        }
        assertFalse(commented.isEmpty(), "AMCT's samples are commented; none found");
        return commented;
    }

    @ParameterizedTest
    @MethodSource("commentedReferenceCfgs")
    void amctsCommentedSamplesKeepEveryCommentAtItsField(Path file) throws IOException {
        String source = Files.readString(file);
        String formatted = CfgFormat.keepingComments(file.toString(), source);
        assertEquals(comments(source), comments(formatted), formatted);
        assertEquals(RetrainConfig.parse(source).toProto(), RetrainConfig.parse(formatted).toProto());
        assertEquals(formatted, CfgFormat.keepingComments("once", formatted), "formatting twice changes nothing");
        assertTrue(formatted.lines().noneMatch(l -> l.startsWith("\t") || l.endsWith(" ")), formatted);
    }

    @ParameterizedTest
    @MethodSource("io.amctkit.dsl.ReferenceData#cfgFiles")
    void everyReferenceCfgIsAFixedPointAfterOnePass(Path file) throws IOException {
        String once = CfgFormat.keepingComments(file.toString(), Files.readString(file));
        assertEquals(once, CfgFormat.keepingComments("once", once));
    }

    @Test
    void layoutIsNormalisedAndCommentsStayOnTheirLines() {
        String source = """
                # header

                # about the batch
                batch_num : 2 ;   # two batches
                retrain_weight_quant_config < # weights
                  arq_retrain { channel_wise: true }
                >   # end of weights



                skip_layers: "a#b" "c"
                quant_skip_layers: ["x", "y"]  # list
                override_layer_configs: {
                    layer_name: "fc"
                    retrain_data_quant_config: { ulq_quantize { clip_max_min { clip_max: 3.0 clip_min: -3.0 } } }

                    # before the closing brace
                }
                # trailing remark
                """;
        String expected = """
                # header

                # about the batch
                batch_num: 2 # two batches
                retrain_weight_quant_config { # weights
                    arq_retrain {
                        channel_wise: true
                    }
                } # end of weights

                skip_layers: "a#b" "c"
                quant_skip_layers: ["x", "y"] # list
                override_layer_configs {
                    layer_name: "fc"
                    retrain_data_quant_config {
                        ulq_quantize {
                            clip_max_min {
                                clip_max: 3.0
                                clip_min: -3.0
                            }
                        }
                    }

                    # before the closing brace
                }
                # trailing remark
                """;
        String formatted = CfgFormat.keepingComments("mixed.cfg", source);
        assertEquals(expected, formatted);
        assertEquals(RetrainConfig.parse(source).toProto(), RetrainConfig.parse(formatted).toProto());
        assertEquals(formatted, CfgFormat.keepingComments("again", formatted));
    }

    @Test
    void aCommentBetweenANameAndItsValueMovesAboveTheField() {
        String formatted = CfgFormat.keepingComments("odd.cfg", "batch_num # how many\n : # really\n 2\nprune_config # p\n{}\n");
        assertEquals("# how many\n# really\nbatch_num: 2\n# p\nprune_config {\n}\n", formatted);
    }

    @Test
    void anInvalidFileIsRejectedWithItsPosition() {
        CfgException e = assertThrows(CfgException.class, () -> CfgFormat.keepingComments("bad.cfg", "batch_num: 2\nfoo: 1\n"));
        assertTrue(e.diagnostics().get(0).format("bad.cfg").startsWith("bad.cfg:2:"), e.diagnostics().toString());
    }

    /**
     * Each comment with what it is attached to, found line by line independently of the formatter: a full-line
     * comment's anchor is the first word of the next line that is not blank or a comment (or end of file); a trailing
     * comment's anchor is the first word of its own line.
     */
    static List<String> comments(String text) {
        List<String> lines = text.lines().toList();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            int hash = commentStart(lines.get(i));
            if (hash < 0) {
                continue;
            }
            String before = lines.get(i).substring(0, hash).strip();
            String comment = lines.get(i).substring(hash).strip();
            String anchor;
            if (!before.isEmpty()) {
                anchor = firstWord(before);
            } else {
                anchor = "<end>";
                for (int j = i + 1; j < lines.size(); j++) {
                    String next = lines.get(j).strip();
                    if (!next.isEmpty() && !next.startsWith("#")) {
                        anchor = firstWord(next);
                        break;
                    }
                }
            }
            out.add(comment + " @ " + anchor + (before.isEmpty() ? "" : " (trailing)"));
        }
        return out;
    }

    private static String firstWord(String line) {
        return line.startsWith("}") || line.startsWith(">") ? "}" : line.split("[\\s:{<]", 2)[0];
    }

    private static int commentStart(String line) {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '#') {
                return i;
            }
        }
        return -1;
    }
}
