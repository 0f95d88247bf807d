# Time from starting amctkit's Jupyter kernel to the first cell result (three runs). Needs the kernel spec installed:
#   ./amctkit jupyter install --prefix /tmp/jp
#   JUPYTER_PATH=/tmp/jp/share/jupyter /usr/bin/python3 bench/kernel_start.py 2>/dev/null
import time, sys
from jupyter_client.manager import start_new_kernel
for i in range(3):
    t0 = time.time()
    km, kc = start_new_kernel(kernel_name="amctkit", startup_timeout=60)
    t1 = time.time()
    msg_id = kc.execute('config().weights(arq().channelWise(true)).validate(QUANT)')
    while True:
        m = kc.get_iopub_msg(timeout=60)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "execute_result":
            break
    t2 = time.time()
    print("kernel ready %.2f s, first cell result %.2f s after start" % (t1 - t0, t2 - t0))
    kc.stop_channels(); km.shutdown_kernel(now=True)
