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

    /** Samples for a model with these inputs (by name, in the model's order). */
    Generator open(Map<String, ai.onnxruntime.NodeInfo> inputs, OrtEnvironment env) throws OrtException;

    /** Samples for the inputs of {@code session}. */
    default Generator open(OrtSession session, OrtEnvironment env) throws OrtException {
        return open(session.getInputInfo(), env);
    }

    /** Generated inputs (see {@link SampleInputs}) with token ids below {@code vocabulary}. */
    static SampleSource generated(long vocabulary, long seed) {
        return (infos, env) -> {
            SampleInputs inputs = new SampleInputs(infos, vocabulary, seed);
            return () -> inputs.next(env);
        };
    }
}
