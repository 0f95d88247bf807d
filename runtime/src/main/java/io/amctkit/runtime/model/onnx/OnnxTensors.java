package io.amctkit.runtime.model.onnx;

import io.amctkit.kernels.Tensors;
import io.amctkit.runtime.model.DType;
import io.amctkit.runtime.model.Floats;
import io.amctkit.runtime.model.ModelException;
import io.amctkit.runtime.model.TensorInfo;
import io.amctkit.runtime.onnx.proto.StringStringEntryProto;
import io.amctkit.runtime.onnx.proto.TensorProto;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The float tensors of an ONNX file (initializers and Constant nodes): their type and shape, checked against the data
 * they carry, and their values — inline, raw (aliasing the mapped file) or in an external-data file inside the model's
 * folder.
 */
final class OnnxTensors {

    /** The largest tensor amctkit reads (elements); anything bigger is a lying header. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE / 2;

    private final Path file;
    private final Path folder;
    /** External-data locations checked when the model opened, reused when a weight is read. */
    private final java.util.Map<String, External> externals = new java.util.HashMap<>();

    OnnxTensors(Path file) {
        this.file = file;
        this.folder = file.toAbsolutePath().getParent();
    }

    /** The tensor's float type, or empty for integer, string and bool tensors (shapes, indices, masks). */
    static Optional<DType> floatType(TensorProto t) {
        return switch (t.getDataType()) {
            case 1 -> Optional.of(DType.F32);
            case 10 -> Optional.of(DType.F16);
            case 16 -> Optional.of(DType.BF16);
            case 11 -> Optional.of(DType.F64);
            default -> Optional.empty();
        };
    }

    /** Type and shape of a float tensor, after checking that its data is all there. */
    TensorInfo info(String name, TensorProto t, DType dtype) {
        long[] shape = new long[t.getDimsCount()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = t.getDims(i);
            if (shape[i] < 0) {
                throw new ModelException(file, "tensor '" + name + "' has a negative dimension " + shape[i]);
            }
            elements = shape[i] == 0 ? 0 : (elements > MAX_ELEMENTS / shape[i] ? MAX_ELEMENTS + 1 : elements * shape[i]);
        }
        if (elements > MAX_ELEMENTS) {
            throw new ModelException(file, "tensor '" + name + "' claims " + java.util.Arrays.toString(shape)
                    + ", more than " + MAX_ELEMENTS + " elements: the file is corrupt or not a model amctkit can read");
        }
        long have = storedElements(name, t, dtype);
        if (have != elements) {
            throw new ModelException(file, "tensor '" + name + "' has shape " + java.util.Arrays.toString(shape) + " ("
                    + elements + " elements) but carries data for " + have + ": the file is truncated or corrupt");
        }
        return new TensorInfo(name, dtype, shape);
    }

    private long storedElements(String name, TensorProto t, DType dtype) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            External e = external(name, t);
            return e.length / dtype.bytes();
        }
        if (t.hasRawData()) {
            int bytes = t.getRawData().size();
            if (bytes % dtype.bytes() != 0) {
                throw new ModelException(file, "tensor '" + name + "' has " + bytes + " raw bytes, not a whole number of "
                        + dtype + " elements");
            }
            return bytes / dtype.bytes();
        }
        return switch (dtype) {
            case F32 -> t.getFloatDataCount();
            case F16, BF16 -> t.getInt32DataCount();
            case F64 -> t.getDoubleDataCount();
        };
    }

    /** The values as float32, in the stored shape. */
    INDArray read(TensorInfo info, TensorProto t) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            External e = external(info.name(), t);
            try (FileChannel ch = FileChannel.open(e.path, StandardOpenOption.READ)) {
                if (e.offset + e.length > ch.size()) {
                    throw new ModelException(file, "tensor '" + info.name() + "' reads bytes " + e.offset + ".." + (e.offset + e.length)
                            + " of " + e.path.getFileName() + ", which has only " + ch.size() + ": the external data is truncated");
                }
                ByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, e.offset, e.length);
                return Floats.decode(mapped, info.dtype(), info.shape());
            } catch (IOException ex) {
                throw new ModelException(file, "cannot read external data " + e.path + " of tensor '" + info.name() + "': " + ex, true, ex);
            }
        }
        if (t.hasRawData()) {
            return Floats.decode(t.getRawData().asReadOnlyByteBuffer(), info.dtype(), info.shape());
        }
        INDArray out = Tensors.newFloat32(info.shape());
        FloatBuffer dst = out.data().asNioFloat();
        int n = (int) info.elements();
        switch (info.dtype()) {
            case F32 -> {
                for (int i = 0; i < n; i++) {
                    dst.put(i, t.getFloatData(i));
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst.put(i, Floats.halfToFloat((short) t.getInt32Data(i)));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst.put(i, Float.intBitsToFloat((t.getInt32Data(i) & 0xffff) << 16));
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    dst.put(i, (float) t.getDoubleData(i));
                }
            }
        }
        return out;
    }

    private record External(Path path, long offset, long length) {
    }

    /** The tensor's external data, resolved and checked once per tensor. */
    private External external(String name, TensorProto t) {
        External known = externals.get(name);
        if (known != null) {
            return known;
        }
        External e = locate(name, t);
        externals.put(name, e);
        return e;
    }

    private External locate(String name, TensorProto t) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto kv : t.getExternalDataList()) {
            try {
                switch (kv.getKey()) {
                    case "location" -> location = kv.getValue();
                    case "offset" -> offset = Long.parseLong(kv.getValue());
                    case "length" -> length = Long.parseLong(kv.getValue());
                    default -> { }
                }
            } catch (NumberFormatException e) {
                throw new ModelException(file, "tensor '" + name + "': external data " + kv.getKey() + " '" + kv.getValue()
                        + "' is not a number");
            }
        }
        if (location == null || location.isEmpty()) {
            throw new ModelException(file, "tensor '" + name + "' is stored externally but names no location");
        }
        if (location.startsWith("/") || location.startsWith("\\") || location.matches("^[A-Za-z]:.*")) {
            throw new ModelException(file, "tensor '" + name + "' points to external data at the absolute path '" + location
                    + "'; ONNX external data is named relative to the model's folder, and amctkit reads it only from there");
        }
        boolean lengthGiven = length >= 0 || t.getExternalDataList().stream().anyMatch(kv -> kv.getKey().equals("length"));
        if (lengthGiven && length < 0) {
            throw new ModelException(file, "tensor '" + name + "': external data length " + length + " is negative");
        }
        Path target = folder.resolve(location).normalize();
        try {
            Path realFolder = folder.toRealPath();
            Path real = target.toRealPath();
            if (!real.startsWith(realFolder)) {
                throw new ModelException(file, "tensor '" + name + "' points to external data '" + location
                        + "' outside the model's folder; amctkit reads external data only from " + realFolder);
            }
            long size = Files.size(real);
            if (offset < 0 || offset > size) {
                throw new ModelException(file, "tensor '" + name + "': external data offset " + offset + " is outside "
                        + location + " (" + size + " bytes)");
            }
            if (!lengthGiven) {
                length = size - offset;
            }
            if (length > size - offset) {
                throw new ModelException(file, "tensor '" + name + "' reads bytes " + offset + ".." + (offset + length) + " of "
                        + location + ", which has only " + size + ": the external data is truncated or the length is wrong");
            }
            return new External(real, offset, length);
        } catch (NoSuchFileException e) {
            throw new ModelException(file, "tensor '" + name + "' needs the external data file '" + location
                    + "', which is missing; keep it next to the .onnx file", true, e);
        } catch (IOException e) {
            throw new ModelException(file, "cannot open external data '" + location + "' of tensor '" + name + "': " + e, true, e);
        }
    }
}
