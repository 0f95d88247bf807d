package io.amctkit.runtime.session;

import io.amctkit.dsl.Mode;
import io.amctkit.dsl.RetrainConfig;
import io.amctkit.kernels.Backends;
import io.amctkit.kernels.Kernels;
import io.amctkit.runtime.bench.SyntheticCheckpoint;
import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.model.Models;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A session on a sharded LLaMA-layout BF16 checkpoint the way a report on an LLM runs it: every weight read into one
 * reused buffer, ARQ's error measured without a fake-quantized copy, 2:4 masks packed piece by piece and spooled to a
 * temporary file past their memory budget, and record.txt streamed — each giving exactly what the in-memory path gives.
 */
class LargeModelSessionTest {

    @TempDir
    static Path dir;

    private static final Kernels KERNELS = Backends.select().kernels(2);

    @BeforeAll
    static void checkpoint() throws Exception {
        SyntheticCheckpoint.write(dir.resolve("llama"), new SyntheticCheckpoint.Shape(2, 64, 160, 96), 40_000);
    }

    @AfterAll
    static void close() {
        KERNELS.close();
    }

    private static RetrainConfig compressed() {
        return RetrainConfig.parse("c.cfg", "retrain_data_quant_config { ulq_quantize { clip_max_min { clip_max: 3.0"
                + " clip_min: -3.0 } } }\nretrain_weight_quant_config { arq_retrain { channel_wise: false } }\n"
                + "prune_config { n_out_of_m_pruner { l1_selective_prune { n_out_of_m_type: M4N2 update_freq: 0 } } }\n");
    }

    @Test
    void spooledMasksGiveTheSameReportAndRecordAsMasksInMemory() throws Exception {
        try (Model m = Models.open(dir.resolve("llama"))) {
            assertTrue(m.notes().get(0).startsWith("sharded safetensors: "), m.notes().toString());
            SessionResult inMemory = Session.of(m, compressed(), Mode.COMPRESSED).run(KERNELS, Session.Progress.NONE);
            SessionResult spooled = Session.of(m, compressed(), Mode.COMPRESSED).run(KERNELS, Session.Progress.NONE, 0);
            assertTrue(inMemory.accepted(), inMemory.resolution().toString());
            List<LayerReport> twoFour = spooled.layers().stream().filter(l -> l.pruneKind().equals("2:4")).toList();
            assertEquals(2 * 7 + 1, twoFour.size(), "q/k/v/o, gate/up/down of each block and lm_head");
            for (int i = 0; i < inMemory.layers().size(); i++) {
                LayerReport a = inMemory.layers().get(i);
                LayerReport b = spooled.layers().get(i);
                assertEquals(a.error(), b.error(), a.name());
                assertEquals(a.realisedSparsity(), b.realisedSparsity(), a.name());
                assertArrayEquals(a.artifacts().selectiveMask(), b.artifacts().selectiveMask(), a.name());
                assertFalse(a.artifacts().mask().spooled(), "small masks stay in memory by default");
                assertEquals(a.pruneKind().equals("2:4"), b.artifacts().mask().spooled(), "budget 0: every mask spooled");
            }
            for (LayerReport l : twoFour) {
                assertEquals(0.5, l.realisedSparsity(), 1e-12, "Cin a multiple of 4: exactly half");
                assertTrue(l.twoFourCompliant().orElseThrow());
                double sqnr = l.error().orElseThrow().sqnrDb();
                assertTrue(sqnr > 35 && sqnr < 45, l.name() + ": INT8 per tensor on Gaussian weights, " + sqnr + " dB");
            }
            Path streamed = dir.resolve("record.txt");
            RecordFile.write(spooled, streamed);
            String expected = RecordFile.text(RecordFile.of(inMemory, m));
            assertEquals(expected, Files.readString(streamed), "the streamed record is protobuf's text of the whole record");
            assertEquals(RecordFile.of(inMemory, m), RecordFile.parse(Files.readString(streamed)));
        }
    }

    /**
     * A BF16 checkpoint's weights go to the kernels as stored (two bytes each, widened a range at a time): every figure and
     * mask of its session is the one the same weights stored as float32 give (per channel: the kernels' own test).
     */
    @Test
    void bf16WeightsAsStoredGiveWhatTheirFloat32Gives() throws Exception {
        Path f32 = dir.resolve("llama-f32.safetensors");
        try (Model m = Models.open(dir.resolve("llama"))) {
            io.amctkit.runtime.model.SafetensorsWriter copy = new io.amctkit.runtime.model.SafetensorsWriter();
            for (io.amctkit.runtime.model.ModelLayer l : m.layers()) {
                float[] v = m.read(l.weight()).data().asFloat();   // widened exactly
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * v.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(v);
                copy.raw(l.weight().name(), "F32", b.array(), l.weight().shape());
            }
            copy.write(f32);
        }
        try (Model bf16 = Models.open(dir.resolve("llama")); Model float32 = Models.open(f32);
             io.amctkit.runtime.model.WeightBuffer buffer = io.amctkit.runtime.model.WeightBuffer.forElements(1)) {
            io.amctkit.runtime.model.ModelLayer first = bf16.layers().get(0);
            org.nd4j.linalg.api.ndarray.INDArray stored = bf16.storedWeight(first, buffer);
            assertEquals(org.nd4j.linalg.api.buffer.DataType.BFLOAT16, stored.dataType(), "kept as stored");
            assertTrue(buffer.holds(stored), "read into the session's buffer");
            assertEquals(bf16.weight(first), stored.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT));
            assertEquals(org.nd4j.linalg.api.buffer.DataType.FLOAT,
                    float32.storedWeight(float32.layers().get(0), buffer).dataType());
            SessionResult a = Session.of(bf16, compressed(), Mode.COMPRESSED).run(KERNELS, Session.Progress.NONE);
            SessionResult b = Session.of(float32, compressed(), Mode.COMPRESSED).run(KERNELS, Session.Progress.NONE);
            assertTrue(a.accepted() && b.accepted(), a.resolution() + "\n" + b.resolution());
            assertEquals(a.layers().size(), b.layers().size());
            int compared = 0;
            for (LayerReport x : a.layers()) {
                LayerReport y = b.layers().stream().filter(l -> l.name().equals(x.name())).findFirst().orElseThrow();
                assertEquals("BF16", x.storedType());
                assertEquals("F32", y.storedType());
                assertEquals(y.error(), x.error(), x.name());
                assertArrayEquals(y.artifacts().weightScales(), x.artifacts().weightScales(), x.name());
                assertArrayEquals(y.artifacts().selectiveMask(), x.artifacts().selectiveMask(), x.name());
                assertEquals(y.twoFourCompliant(), x.twoFourCompliant(), x.name());
                compared += x.error().isPresent() ? 1 : 0;
            }
            assertTrue(compared >= 15, "every Linear quantized: " + compared);
        }
    }

    private static RetrainConfig twoFourOnly() {
        return RetrainConfig.parse("s.cfg", "prune_config { n_out_of_m_pruner { l1_selective_prune { n_out_of_m_type: M4N2"
                + " update_freq: 0 } } }\n");
    }

    /**
     * A 2:4-only session writes record.txt while it runs (layer by layer, by a writer thread): the same bytes as the record
     * written afterwards, and the report leaves it as it is; a config with quantization (whose entries come first) is
     * written afterwards as before.
     */
    @Test
    void aTwoFourSessionStreamsItsRecordAndTheReportKeepsIt() throws Exception {
        try (Model m = Models.open(dir.resolve("llama"))) {
            Path out = dir.resolve("streamed");
            Path record = out.resolve("record.txt");
            SessionResult streamed = Session.of(m, twoFourOnly(), Mode.PRUNE).run(KERNELS, Session.Progress.NONE, record);
            assertTrue(streamed.streamedRecord().orElseThrow().writes(record));
            assertEquals(record, streamed.streamedRecord().get().await(), "in place once awaited");
            SessionResult after = Session.of(m, twoFourOnly(), Mode.PRUNE).run(KERNELS, Session.Progress.NONE);
            Path written = dir.resolve("afterwards.txt");
            RecordFile.write(after, written);
            assertArrayEquals(Files.readAllBytes(written), Files.readAllBytes(record), "the bytes of the record written afterwards");
            assertEquals(RecordFile.text(RecordFile.of(after, m)), Files.readString(record));
            assertTrue(Files.readString(record).contains("selective_prune"), "2:4 records");
            java.nio.file.attribute.FileTime before = Files.getLastModifiedTime(record);
            Object inode = Files.readAttributes(record, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            io.amctkit.runtime.report.Report.write(out, streamed, m, "s.cfg");
            assertEquals(inode, Files.readAttributes(record, java.nio.file.attribute.BasicFileAttributes.class).fileKey(),
                    "the report does not write the streamed record again");
            assertEquals(before, Files.getLastModifiedTime(record));

            Path other = dir.resolve("compressed").resolve("record.txt");
            SessionResult quantized = Session.of(m, compressed(), Mode.COMPRESSED).run(KERNELS, Session.Progress.NONE, other);
            assertTrue(quantized.streamedRecord().isEmpty(), "quantization entries come first: written afterwards");
            assertFalse(Files.exists(other));
        }
    }

    /**
     * Past the memory budget, a streamed session keeps no second copy of its 2:4 masks: each is read back from the record
     * file, where it is written anyway — the same words as a session holding them in memory; a record moved or changed
     * since is an error that names the layer and the file and says what to do.
     */
    @Test
    void aStreamedSessionReadsItsMasksBackFromItsRecord() throws Exception {
        try (Model m = Models.open(dir.resolve("llama"))) {
            Path record = dir.resolve("recorded").resolve("record.txt");
            SessionResult inMemory = Session.of(m, twoFourOnly(), Mode.PRUNE).run(KERNELS, Session.Progress.NONE);
            SessionResult recorded = Session.of(m, twoFourOnly(), Mode.PRUNE).run(KERNELS, Session.Progress.NONE, 0, record);
            recorded.streamedRecord().orElseThrow().await();
            int masks = 0;
            for (int i = 0; i < inMemory.layers().size(); i++) {
                LayerReport a = inMemory.layers().get(i);
                PackedMask b = recorded.layers().get(i).artifacts().mask();
                assertEquals(a.pruneKind().equals("2:4"), b.recorded(), a.name() + ": budget 0, every mask in the record");
                assertFalse(b.spooled(), "nothing spooled beside the record");
                assertArrayEquals(a.artifacts().selectiveMask(), b.words(), a.name());
                assertArrayEquals(a.artifacts().maskShape(), b.shape(), a.name());
                masks += b.recorded() ? 1 : 0;
            }
            assertEquals(2 * 7 + 1, masks);
            PackedMask last = recorded.layers().stream().filter(l -> l.pruneKind().equals("2:4")).reduce((x, y) -> y)
                    .orElseThrow().artifacts().mask();

            byte[] bytes = Files.readAllBytes(record);
            String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
            int value = text.lastIndexOf("      ints: ") + "      ints: ".length();
            int digit = value + (bytes[value] == '-' ? 1 : 0) + 1;   // its second digit: still a 64-bit value
            bytes[digit] = (byte) (bytes[digit] == '1' ? '2' : '1');   // one digit of the last value, same length
            Files.write(record, bytes);
            assertEquals(last.wordCount(), last.words().length, "a changed digit reads as a (different) number");
            assertFalse(java.util.Arrays.equals(inMemory.layers().stream().filter(l -> l.pruneKind().equals("2:4"))
                    .reduce((x, y) -> y).orElseThrow().artifacts().selectiveMask(), last.words()));
            bytes[value - 3] = 'x';   // "ints:" broken: not a value line
            Files.write(record, bytes);
            java.io.UncheckedIOException broken = org.junit.jupiter.api.Assertions.assertThrows(
                    java.io.UncheckedIOException.class, last::words);
            assertTrue(broken.getMessage().contains("changed since the session wrote it")
                    && broken.getMessage().contains(record.toString()) && broken.getMessage().contains("run the session again"),
                    broken.getMessage());
            Files.write(record, java.util.Arrays.copyOf(bytes, bytes.length - 1));   // one byte shorter
            broken = org.junit.jupiter.api.Assertions.assertThrows(java.io.UncheckedIOException.class, last::words);
            assertTrue(broken.getMessage().contains("not the " + bytes.length + " the session wrote"), broken.getMessage());
            Files.move(record, dir.resolve("elsewhere.txt"));
            java.io.UncheckedIOException moved = org.junit.jupiter.api.Assertions.assertThrows(
                    java.io.UncheckedIOException.class, last::words);
            assertTrue(moved.getMessage().contains("moved or deleted") && moved.getMessage().contains("lm_head"),
                    moved.getMessage());
        }
    }

    /**
     * A streamed record may still be finishing when the session returns (its flush to disk overlaps the report's own
     * work): the report returns only once it is in place, and a record that fails fails the report, naming why.
     */
    @Test
    void theReportWaitsForTheStreamedRecordAndReportsItsFailure() throws Exception {
        try (Model m = Models.open(dir.resolve("llama"))) {
            SessionResult session = Session.of(m, twoFourOnly(), Mode.PRUNE).run(KERNELS, Session.Progress.NONE);
            Path out = dir.resolve("awaited");
            Path record = out.resolve("record.txt");
            java.util.concurrent.atomic.AtomicBoolean landed = new java.util.concurrent.atomic.AtomicBoolean();
            StreamedRecord slow = new StreamedRecord(record, () -> {
                try {
                    Thread.sleep(300);   // the writer's last blocks and its flush
                } catch (InterruptedException stop) {
                    throw new java.io.InterruptedIOException();
                }
                RecordFile.write(session, record);
                landed.set(true);
                return record;
            });
            SessionResult pending = new SessionResult(session.model(), session.resolution(), session.layers(),
                    session.calibration(), session.filterPruning(), java.util.Optional.of(slow));
            io.amctkit.runtime.report.Report.Files files = io.amctkit.runtime.report.Report.write(out, pending, m, "s.cfg");
            assertTrue(landed.get(), "write returned before the record was in place");
            assertEquals(record, files.record());
            assertTrue(Files.exists(out.resolve("report.html")));

            Path failedOut = dir.resolve("record-failed");
            java.io.IOException full = new java.io.IOException("writing record.txt: No space left on device");
            StreamedRecord failing = new StreamedRecord(failedOut.resolve("record.txt"), () -> {
                throw full;   // the writer's failure: the same each time it is awaited
            });
            SessionResult broken = new SessionResult(session.model(), session.resolution(), session.layers(),
                    session.calibration(), session.filterPruning(), java.util.Optional.of(failing));
            java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> io.amctkit.runtime.report.Report.write(failedOut, broken, m, "s.cfg"));
            assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
            failing.awaitAfter(e);   // the command's own clean-up awaits it again: no self-suppression
            assertEquals(0, e.getSuppressed().length);
            assertFalse(Files.exists(failedOut.resolve("record.txt")), "the report does not write it instead");
        }
    }

    /** A session that fails midway (a NaN in a later layer) leaves no record file, and no temporary one. */
    @Test
    void aFailedSessionLeavesNoRecord() throws Exception {
        Path model = dir.resolve("nan.safetensors");
        java.nio.ByteBuffer good = java.nio.ByteBuffer.allocate(2 * 64 * 64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        java.nio.ByteBuffer bad = java.nio.ByteBuffer.allocate(2 * 64 * 64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        Random r = new Random(3);
        for (int i = 0; i < 64 * 64; i++) {
            good.putShort((short) (Float.floatToRawIntBits((float) r.nextGaussian()) >>> 16));
            bad.putShort(i == 100 ? (short) 0x7fc0 : (short) (Float.floatToRawIntBits((float) r.nextGaussian()) >>> 16));
        }
        new io.amctkit.runtime.model.SafetensorsWriter()
                .raw("model.layers.0.mlp.up_proj.weight", "BF16", good.array(), 64, 64)
                .raw("model.layers.0.mlp.down_proj.weight", "BF16", bad.array(), 64, 64)
                .write(model);
        Path out = dir.resolve("failed");
        try (Model m = Models.open(model)) {
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> Session.of(m, twoFourOnly(), Mode.PRUNE).run(KERNELS, Session.Progress.NONE, out.resolve("record.txt")));
            assertTrue(String.valueOf(e.getMessage()).contains("NaN"), String.valueOf(e));
        }
        try (var listed = Files.list(out)) {
            assertEquals(List.of(), listed.toList(), "neither record.txt nor a temporary file");
        }
    }

    @Test
    void maskValuesArePrintedAsLongToStringPrintsThem() throws Exception {
        Random r = new Random(5);
        byte[] b = new byte[32];
        long[] values = {0, 1, -1, 9, 10, 99, 100, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1, 999_999_999_999_999_999L,
                1_000_000_000_000_000_000L, r.nextLong(), r.nextLong(), r.nextLong()};
        for (long v : values) {
            int end = RecordFile.decimal(v, b, 3);
            assertEquals(Long.toString(v), new String(b, 3, end - 3, java.nio.charset.StandardCharsets.US_ASCII));
        }
        // every length and both signs: 10^k - 1, 10^k, 10^k + 1 and values with zeros inside; then random magnitudes
        List<Long> more = new java.util.ArrayList<>();
        for (long p = 1; p > 0 && p <= Long.MAX_VALUE / 10 * 10; p *= 10) {
            for (long v : new long[]{p - 1, p, p + 1, p * 7 + 3, p / 10 * 90_001}) {
                more.add(v);
                more.add(-v);
            }
            if (p > Long.MAX_VALUE / 10) {
                break;
            }
        }
        for (int i = 0; i < 200_000; i++) {
            more.add(r.nextLong() >> r.nextInt(64));
        }
        for (long v : more) {
            java.util.Arrays.fill(b, (byte) '#');
            int end = RecordFile.decimal(v, b, 3);
            assertEquals(Long.toString(v), new String(b, 3, end - 3, java.nio.charset.StandardCharsets.US_ASCII));
            assertEquals('#', b[2], "nothing before the number");
            for (int k = end + 3; k < b.length; k++) {
                assertEquals('#', b[k], "nothing beyond three bytes past it (the line goes on there)");
            }
        }
        // and read back as written (a record's masks past the memory budget are), from where the head ends
        List<Long> all = new java.util.ArrayList<>(more);
        for (long v : values) {
            all.add(v);
        }
        long[] words = all.stream().mapToLong(Long::longValue).toArray();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write('#');
        int head = RecordFile.writeSelective(com.google.protobuf.TextFormat.printer(), "fc", new long[]{4, 8},
                java.nio.LongBuffer.wrap(words), out);
        Path file = dir.resolve("values.txt");
        Files.write(file, out.toByteArray());
        assertArrayEquals(words, RecordFile.readValues(file, 1 + head, words.length));
    }

    @Test
    void theProgressBarNamesTheShardOfEachLayer() {
        try (Model m = Models.open(dir.resolve("llama"))) {
            java.io.StringWriter text = new java.io.StringWriter();
            ProgressBar bar = new ProgressBar(new java.io.PrintWriter(text), true).showingShards(m);
            Session.of(m, compressed(), Mode.COMPRESSED).run(KERNELS, bar);
            String out = text.toString();
            java.util.regex.Matcher first = java.util.regex.Pattern.compile("shard 1/(\\d+) model\\.layers\\.0\\.self_attn\\.q_proj")
                    .matcher(out);
            assertTrue(first.find(), out);
            int count = Integer.parseInt(first.group(1));
            assertTrue(count >= 3, "several shards: " + count);
            assertTrue(out.contains("shard " + count + "/" + count + " lm_head"), "lm_head is in the last shard\n" + out);
            assertEquals("shard 2/17", ProgressBar.shardLabel("model-00002-of-00017.safetensors"));
            assertEquals("weights.safetensors", ProgressBar.shardLabel("weights.safetensors"));
        }
    }

    @Test
    void aReportOfACheckpointSaysWhichOutputsApply() throws Exception {
        try (Model m = Models.open(dir.resolve("llama"))) {
            SessionResult r = Session.of(m, compressed(), Mode.COMPRESSED).run(KERNELS, Session.Progress.NONE);
            Path out = dir.resolve("report");
            io.amctkit.runtime.report.Report.Files files = io.amctkit.runtime.report.Report.write(out, r, m, "c.cfg");
            String html = Files.readString(files.html());
            assertTrue(html.contains("id=\"outputs\"") && html.contains("Not written: fake_quant_model.onnx"), html);
            assertTrue(files.fakeQuant().isEmpty() && files.deploy().isEmpty() && files.pruned().isEmpty());
            try (var listed = Files.list(out)) {
                assertEquals(List.of("record.txt", "report.html"), listed.map(p -> p.getFileName().toString()).sorted().toList());
            }
            assertEquals(RecordFile.of(r, m), RecordFile.parse(Files.readString(files.record())));
        }
    }
}
