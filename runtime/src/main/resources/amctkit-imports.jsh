// amctkit's imports for JShell and notebooks (amctkit shell, amctkit run, the Jupyter kernel)
import static io.amctkit.dsl.Amct.*;
import io.amctkit.dsl.*;
import io.amctkit.dsl.resolve.*;
import io.amctkit.kernels.*;
import io.amctkit.runtime.*;
import io.amctkit.runtime.model.*;
import io.amctkit.runtime.session.*;
import io.amctkit.runtime.calibration.*;
import io.amctkit.runtime.report.*;
import io.amctkit.runtime.export.*;
import tech.tablesaw.api.*;
import java.nio.file.*;
import java.util.*;
import io.amctkit.runtime.prune.*;
import io.amctkit.runtime.evaluation.*;
import io.amctkit.runtime.sensitivity.*;
import io.amctkit.runtime.tuning.*;
import io.amctkit.runtime.model.onnx.OnnxModel;
