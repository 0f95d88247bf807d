#!/usr/bin/env bash
# Regenerates the report screenshots linked from the README: the main job's MiniLM report in Debian's headless
# chromium at 1280 px, the top of the page and the layer table.   bash docs/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
./amctkit report --model zoo:minilm --seed quant --out "$out" > /dev/null
shot() { chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="1280,$1" \
  --user-data-dir="$out/profile" --virtual-time-budget=2000 --screenshot="$2" "file://$3" 2> /dev/null; }
shot 1700 docs/report-minilm-1280-top.png "$out/report.html"
# the layer table as the page shows it, without the sections above it
/usr/bin/python3 -c '
import sys; s = open(sys.argv[1]).read(); a = s.index("</nav>") + 7; b = s.index("<h2>Layers</h2>")
open(sys.argv[2], "w").write(s[:a] + s[b:])' "$out/report.html" "$out/layers.html"
shot 1000 docs/report-minilm-1280-layers.png "$out/layers.html"
rm -rf "$out"
