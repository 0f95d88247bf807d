package io.amctkit.runtime.model.torch;

import io.amctkit.kernels.Tensors;
import io.amctkit.runtime.model.DType;
import io.amctkit.runtime.model.Floats;
import io.amctkit.runtime.model.ModelException;
import io.amctkit.runtime.model.TensorInfo;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A PyTorch checkpoint saved by {@code torch.save} (a zip holding {@code data.pkl} and one file per storage): its
 * state_dict read through {@link StateDictPickle} (nothing executed), tensors read one at a time from their storage
 * entries. Also finds the state_dict inside a training checkpoint ({@code {"state_dict": ...}} or {@code {"model": ...}}).
 */
public final class TorchCheckpoint implements AutoCloseable {

    /** data.pkl larger than this is not a state_dict's index. */
    static final long MAX_PICKLE = 256L << 20;

    private final Path file;
    private final ZipFile zip;
    private final String prefix;
    private final Map<String, StateDictPickle.TensorRef> tensors;
    private final Map<String, TensorInfo> infos;
    private final List<String> notes;

    private TorchCheckpoint(Path file, ZipFile zip, String prefix, Map<String, StateDictPickle.TensorRef> tensors,
                            Map<String, TensorInfo> infos, List<String> notes) {
        this.file = file;
        this.zip = zip;
        this.prefix = prefix;
        this.tensors = tensors;
        this.infos = infos;
        this.notes = notes;
    }

    public static TorchCheckpoint open(Path file) {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new ModelException(file, "no such file", true, e);
        } catch (ZipException e) {
            throw new ModelException(file, "is not a zip archive (" + e.getMessage() + "): a PyTorch checkpoint from"
                    + " torch.save (PyTorch ≥ 1.6) is one; an older or truncated file is not readable");
        } catch (IOException e) {
            throw new ModelException(file, "cannot read: " + e.getMessage(), true, e);
        }
        try {
            ZipEntry pkl = null;
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                ZipEntry e = en.nextElement();
                if (e.getName().endsWith("/data.pkl") && e.getName().indexOf('/') == e.getName().length() - "/data.pkl".length()) {
                    pkl = e;
                    break;
                }
            }
            if (pkl == null) {
                throw new ModelException(file, "is a zip without <archive>/data.pkl: not a PyTorch checkpoint");
            }
            if (pkl.getSize() > MAX_PICKLE) {
                throw new ModelException(file, "data.pkl is " + pkl.getSize() + " bytes: too large for a state_dict index");
            }
            String prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            ZipEntry order = zip.getEntry(prefix + "byteorder");
            if (order != null) {
                try (InputStream s = zip.getInputStream(order)) {
                    String bo = new String(s.readNBytes(16), java.nio.charset.StandardCharsets.US_ASCII).trim();
                    if (!bo.equals("little")) {
                        throw new ModelException(file, "stores tensors in " + bo + "-endian byte order; only little-endian is read");
                    }
                }
            }
            byte[] data;
            try (InputStream s = zip.getInputStream(pkl)) {
                data = s.readNBytes((int) MAX_PICKLE + 1);
            }
            Object root;
            try {
                root = StateDictPickle.load(data);
            } catch (StateDictPickle.PickleException e) {
                throw new ModelException(file, "data.pkl: " + e.getMessage());
            }
            List<String> notes = new java.util.ArrayList<>();
            Map<String, StateDictPickle.TensorRef> tensors = stateDict(file, root, notes);
            Map<String, TensorInfo> infos = new LinkedHashMap<>();
            tensors.forEach((name, ref) -> dtype(ref.storage().storageType())
                    .ifPresent(d -> infos.put(name, new TensorInfo(name, d, ref.shape()))));
            return new TorchCheckpoint(file, zip, prefix, tensors, infos, List.copyOf(notes));
        } catch (IOException e) {
            closeQuietly(zip);
            throw new ModelException(file, "cannot read the archive: " + e.getMessage(), true, e);
        } catch (RuntimeException e) {
            closeQuietly(zip);
            throw e;
        }
    }

    private static void closeQuietly(ZipFile zip) {
        try {
            zip.close();
        } catch (IOException ignored) {
            // nothing more to release
        }
    }

    private static Map<String, StateDictPickle.TensorRef> stateDict(Path file, Object root, List<String> notes) {
        if (!(root instanceof Map<?, ?> map)) {
            throw new ModelException(file, "holds a " + (root == null ? "None" : root.getClass().getSimpleName())
                    + ", not a state_dict: save model.state_dict()");
        }
        Map<String, StateDictPickle.TensorRef> out = tensorsOf(map);
        if (out.isEmpty()) {
            for (String key : List.of("state_dict", "model", "model_state_dict", "net")) {
                if (map.get(key) instanceof Map<?, ?> inner && !tensorsOf(inner).isEmpty()) {
                    notes.add("the state_dict is the checkpoint's '" + key + "' entry");
                    return tensorsOf(inner);
                }
            }
            throw new ModelException(file, "holds a dict without tensors (keys " + map.keySet()
                    + "); save model.state_dict()");
        }
        return out;
    }

    private static Map<String, StateDictPickle.TensorRef> tensorsOf(Map<?, ?> map) {
        Map<String, StateDictPickle.TensorRef> out = new LinkedHashMap<>();
        map.forEach((k, v) -> {
            if (k instanceof String name && v instanceof StateDictPickle.TensorRef t) {
                out.put(name, t);
            }
        });
        return out;
    }

    static Optional<DType> dtype(String storageType) {
        return switch (storageType) {
            case "FloatStorage" -> Optional.of(DType.F32);
            case "HalfStorage" -> Optional.of(DType.F16);
            case "BFloat16Storage" -> Optional.of(DType.BF16);
            case "DoubleStorage" -> Optional.of(DType.F64);
            default -> Optional.empty();
        };
    }

    public Path file() {
        return file;
    }

    /** Float tensors of the state_dict, by key, in file order. */
    public Map<String, TensorInfo> tensors() {
        return infos;
    }

    /** Keys whose tensors are not floating point (counters, integer buffers). */
    public List<String> nonFloat() {
        return tensors.keySet().stream().filter(k -> !infos.containsKey(k)).toList();
    }

    public List<String> notes() {
        return notes;
    }

    /** Reads one tensor from its storage entry (strided views gathered), as float32. */
    public INDArray read(TensorInfo info) {
        try {
            return readChecked(info);
        } catch (ArithmeticException e) {
            throw new ModelException(file, "tensor '" + info.name() + "' has an absurd size, stride or offset: corrupt");
        }
    }

    private INDArray readChecked(TensorInfo info) {
        StateDictPickle.TensorRef ref = tensors.get(info.name());
        if (ref == null) {
            throw new IllegalArgumentException(file + " has no tensor '" + info.name() + "'");
        }
        long[] shape = ref.shape();
        long[] stride = ref.stride();
        if (stride.length != shape.length) {
            throw new ModelException(file, "tensor '" + info.name() + "' has " + shape.length + " sizes but " + stride.length + " strides");
        }
        long span = 1;
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0 || stride[i] < 0 || ref.offset() < 0) {
                throw new ModelException(file, "tensor '" + info.name() + "' has a negative size or stride");
            }
            if (shape[i] == 0) {
                span = 0;
                elements = 0;
                break;
            }
            span = Math.addExact(span, Math.multiplyExact(shape[i] - 1, stride[i]));
            elements = Math.multiplyExact(elements, shape[i]);
        }
        int width = info.dtype().bytes();
        ZipEntry entry = zip.getEntry(prefix + "data/" + ref.storage().key());
        if (entry == null) {
            throw new ModelException(file, "tensor '" + info.name() + "' refers to storage " + ref.storage().key()
                    + ", which the archive lacks: truncated or corrupt");
        }
        long needBytes = Math.multiplyExact(ref.offset() + span, (long) width);
        if (entry.getSize() >= 0 && entry.getSize() < needBytes) {
            throw new ModelException(file, "tensor '" + info.name() + "' needs " + needBytes + " bytes of storage "
                    + ref.storage().key() + ", which has " + entry.getSize() + ": truncated or corrupt");
        }
        if (span * width > Integer.MAX_VALUE) {
            throw new ModelException(file, "tensor '" + info.name() + "' spans more than 2 GiB; not readable");
        }
        try (InputStream s = zip.getInputStream(entry)) {
            s.skipNBytes(ref.offset() * width);
            byte[] raw = s.readNBytes((int) (span * width));
            if (raw.length < span * width) {
                throw new ModelException(file, "storage " + ref.storage().key() + " ends early: truncated");
            }
            ByteBuffer bytes = ByteBuffer.wrap(raw);
            if (contiguous(shape, stride)) {
                return Floats.decode(bytes, info.dtype(), shape);
            }
            INDArray flat = Floats.decode(bytes, info.dtype(), new long[]{span});
            return gather(flat, shape, stride, elements);
        } catch (java.io.EOFException e) {
            throw new ModelException(file, "storage " + ref.storage().key() + " ends early: truncated", false, e);
        } catch (IOException e) {
            throw new ModelException(file, "cannot read storage " + ref.storage().key() + ": " + e.getMessage(), true, e);
        }
    }

    private static boolean contiguous(long[] shape, long[] stride) {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    private static INDArray gather(INDArray flat, long[] shape, long[] stride, long elements) {
        FloatBuffer src = flat.data().asNioFloat();
        INDArray out = Tensors.newFloat32(shape);
        FloatBuffer dst = out.data().asNioFloat();
        long[] index = new long[shape.length];
        for (long i = 0; i < elements; i++) {
            long at = 0;
            for (int d = 0; d < shape.length; d++) {
                at += index[d] * stride[d];
            }
            dst.put((int) i, src.get((int) at));
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++index[d] < shape[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
        return out;
    }

    @Override
    public void close() {
        closeQuietly(zip);
    }
}
