package io.amctkit.runtime.model.safetensors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.amctkit.runtime.model.DType;
import io.amctkit.runtime.model.Floats;
import io.amctkit.runtime.model.ModelException;
import io.amctkit.runtime.model.TensorInfo;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A safetensors file: the 8-byte header size, the JSON header (checked: size, offsets inside the data, lengths that
 * match dtype × shape, no overlaps) and tensors read one at a time, straight into their float32 arrays. Readable as weights: F32, F16,
 * BF16, F64; other dtypes are listed but not read.
 */
public final class SafetensorsFile {

    /** A header larger than this is a lying header (the format's own reference implementation caps it at 100 MB). */
    static final long MAX_HEADER = 100L << 20;

    /** One entry of the header. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end, Optional<DType> floatType) {
    }

    private final Path file;
    private final long dataStart;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path file, long dataStart, Map<String, Entry> entries, Map<String, String> metadata) {
        this.file = file;
        this.dataStart = dataStart;
        this.entries = entries;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new ModelException(file, "is " + size + " bytes: too short for a safetensors header");
            }
            ByteBuffer head = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, head, 0);
            long headerSize = head.getLong(0);
            if (headerSize < 2 || headerSize > MAX_HEADER || headerSize > size - 8) {
                throw new ModelException(file, "declares a " + Long.toUnsignedString(headerSize) + "-byte header in a " + size
                        + "-byte file: truncated, corrupt or not safetensors");
            }
            ByteBuffer json = ByteBuffer.allocate((int) headerSize);
            readFully(ch, json, 8);
            long dataSize = size - 8 - headerSize;
            return parse(file, new String(json.array(), java.nio.charset.StandardCharsets.UTF_8), 8 + headerSize, dataSize);
        } catch (NoSuchFileException e) {
            throw new ModelException(file, "no such file", true, e);
        } catch (IOException e) {
            throw new ModelException(file, "cannot read: " + e.getMessage(), true, e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long at) throws IOException {
        long pos = at;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    private static SafetensorsFile parse(Path file, String json, long dataStart, long dataSize) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json.trim());
        } catch (JsonProcessingException e) {
            throw new ModelException(file, "the safetensors header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ModelException(file, "the safetensors header is not a JSON object");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        List<long[]> ranges = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (name.equals("__metadata__")) {
                v.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            String where = "tensor '" + name + "'";
            JsonNode dtype = v.get("dtype");
            JsonNode shape = v.get("shape");
            JsonNode offsets = v.get("data_offsets");
            if (dtype == null || !dtype.isTextual() || shape == null || !shape.isArray() || offsets == null
                    || !offsets.isArray() || offsets.size() != 2) {
                throw new ModelException(file, where + " needs \"dtype\", \"shape\" and two \"data_offsets\" in the header");
            }
            long[] dims = new long[shape.size()];
            long elements = 1;
            for (int i = 0; i < dims.length; i++) {
                if (!shape.get(i).isIntegralNumber() || !shape.get(i).canConvertToLong() || shape.get(i).asLong() < 0) {
                    throw new ModelException(file, where + " has an invalid dimension " + shape.get(i));
                }
                dims[i] = shape.get(i).asLong();
                try {
                    elements = Math.multiplyExact(elements, dims[i]);
                } catch (ArithmeticException e) {
                    throw new ModelException(file, where + " claims an absurd shape " + shape);
                }
            }
            long begin = offsets.get(0).isIntegralNumber() && offsets.get(0).canConvertToLong() ? offsets.get(0).asLong() : -1;
            long end = offsets.get(1).isIntegralNumber() && offsets.get(1).canConvertToLong() ? offsets.get(1).asLong() : -1;
            if (begin < 0 || end < begin || end > dataSize) {
                throw new ModelException(file, where + " has data_offsets [" + offsets.get(0) + ", " + offsets.get(1)
                        + "] outside the " + dataSize + "-byte data: truncated or corrupt");
            }
            int width = width(dtype.asText());
            if (width > 0) {
                long expected;
                try {
                    expected = Math.multiplyExact(elements, width);
                } catch (ArithmeticException e) {
                    throw new ModelException(file, where + " claims an absurd shape " + shape);
                }
                if (end - begin != expected) {
                    throw new ModelException(file, where + " is " + dtype.asText() + " " + shape + " (" + expected
                            + " bytes) but its data_offsets span " + (end - begin) + " bytes");
                }
            }
            ranges.add(new long[]{begin, end});
            entries.put(name, new Entry(name, dtype.asText(), dims, begin, end, floatType(dtype.asText())));
        }
        ranges.sort((a, b) -> Long.compare(a[0], b[0]));
        for (int i = 1; i < ranges.size(); i++) {
            if (ranges.get(i)[0] < ranges.get(i - 1)[1]) {
                throw new ModelException(file, "two tensors' data_offsets overlap: the header is corrupt");
            }
        }
        return new SafetensorsFile(file, dataStart, entries, metadata);
    }

    private static Optional<DType> floatType(String dtype) {
        return switch (dtype) {
            case "F32" -> Optional.of(DType.F32);
            case "F16" -> Optional.of(DType.F16);
            case "BF16" -> Optional.of(DType.BF16);
            case "F64" -> Optional.of(DType.F64);
            default -> Optional.empty();
        };
    }

    /** Bytes per element of a safetensors dtype, or 0 if unknown. */
    private static int width(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> 0;
        };
    }

    public Path file() {
        return file;
    }

    /** Header entries in file order. */
    public Map<String, Entry> entries() {
        return entries;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** The entry as a readable float tensor, if its dtype is one. */
    public Optional<TensorInfo> info(String name) {
        Entry e = entries.get(name);
        return e == null ? Optional.empty() : e.floatType().map(d -> new TensorInfo(name, d, e.shape()));
    }

    /** The raw little-endian bytes of any tensor (for integer tensors such as token ids). */
    public ByteBuffer readRaw(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException(file + " has no tensor '" + name + "'");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(e.end() - e.begin())).order(ByteOrder.LITTLE_ENDIAN);
            long at = dataStart + e.begin();
            while (out.hasRemaining()) {
                if (ch.read(out, at + out.position()) < 0) {
                    throw new ModelException(file, "tensor '" + name + "' is truncated");
                }
            }
            return out.flip();
        } catch (IOException ex) {
            throw new ModelException(file, "cannot read tensor '" + name + "': " + ex.getMessage(), true, ex);
        }
    }

    /** Reads just this tensor's bytes (positional reads, no mapping) and decodes them to float32. */
    public INDArray read(TensorInfo tensor) {
        return read(tensor, null);
    }

    /**
     * {@link #read(TensorInfo)} for the kernels, through {@code buffer}: a BF16 or F32 tensor mapped as stored (bfloat16
     * or float32, no copy; valid until the buffer's next weight), others widened into its memory; a new float32 array
     * when {@code buffer} is null.
     */
    public INDArray read(TensorInfo tensor, io.amctkit.runtime.model.WeightBuffer buffer) {
        Entry e = entries.get(tensor.name());
        if (e == null || e.floatType().isEmpty()) {
            throw new IllegalArgumentException(file + " has no float tensor '" + tensor.name() + "'");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            if (ch.size() < dataStart + e.end()) {
                throw new ModelException(file, "tensor '" + tensor.name() + "' ends at byte " + (dataStart + e.end())
                        + " but the file has " + ch.size() + ": truncated");
            }
            DType stored = e.floatType().get();
            if (buffer != null && (stored == DType.BF16 || stored == DType.F32)
                    && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
                // as the kernels take it: mapped, read by them straight from the page cache
                return buffer.mapped(file, ch, dataStart + e.begin(), e.shape(), stored == DType.BF16
                        ? org.nd4j.linalg.api.buffer.DataType.BFLOAT16 : org.nd4j.linalg.api.buffer.DataType.FLOAT);
            }
            INDArray target = buffer == null ? null : buffer.array(e.shape());
            return Floats.read(ch, dataStart + e.begin(), stored, e.shape(), target);
        } catch (IOException ex) {
            throw new ModelException(file, "cannot read tensor '" + tensor.name() + "': " + ex.getMessage(), true, ex);
        }
    }
}
