package io.amctkit.runtime.calibration;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import java.util.Map;

/** Where calibration samples come from: generated with a seed from the model's declared inputs (or a user's files). */
public interface SampleSource {

    /** Produces samples one at a time; {@code null} when a finite source is exhausted. */
    interface Generator {
        Map<String, OnnxTensor> next() throws OrtException;
    }

    Generator open(OrtSession session, OrtEnvironment env) throws OrtException;

    /** Generated inputs (see {@link SampleInputs}) with token ids below {@code vocabulary}. */
    static SampleSource generated(long vocabulary, long seed) {
        return (session, env) -> {
            SampleInputs inputs = new SampleInputs(session.getInputInfo(), vocabulary, seed);
            return () -> inputs.next(env);
        };
    }
}
