package io.amctkit.cli;

import io.amctkit.runtime.LayerManifest;
import io.amctkit.runtime.model.Model;
import io.amctkit.runtime.model.ModelZoo;
import io.amctkit.runtime.model.Models;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** Opens a {@code MODEL} argument of the CLI: a file, or {@code zoo:ID} fetched into the cache. */
final class ModelArgument {

    private ModelArgument() {
    }

    static Model open(String argument, Path manifest) throws IOException {
        Path file = ModelZoo.standard().resolve(argument);
        return Models.open(file, manifest == null ? Optional.empty() : Optional.of(LayerManifest.read(manifest)));
    }
}
