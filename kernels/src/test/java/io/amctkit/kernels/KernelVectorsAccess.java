package io.amctkit.kernels;

import io.amctkit.kernels.reference.KernelVectors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Every case of every AMCT kernel vector file, for contract tests outside this package. */
public final class KernelVectorsAccess {

    private KernelVectorsAccess() {
    }

    public static List<KernelVectors.VectorCase> allCases() {
        List<KernelVectors.VectorCase> all = new ArrayList<>();
        for (Path f : KernelVectorsTest.files()) {
            try {
                all.addAll(KernelVectors.cases(f));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return all;
    }
}
