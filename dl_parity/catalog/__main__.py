"""``python -m dl_parity.catalog`` prints the README's formula count and table;
``python -m dl_parity.catalog --write README.md`` puts them in place of the old ones (the
count line and the table under it), so a new catalog entry costs one command."""
import re
import sys
from pathlib import Path

from . import markdown_summary, markdown_table

block = f"{markdown_summary()}\n\n{markdown_table()}\n"
if sys.argv[1:2] == ["--write"] and len(sys.argv) == 3:
    path = Path(sys.argv[2])
    text = path.read_text()
    pattern = re.compile(r"^\d+ entries in \d+ sections, from [^\n]*:\n\n(?:\|[^\n]*\n)+", re.M)
    if len(pattern.findall(text)) != 1:
        sys.exit(f"{path}: expected one formula count line followed by its table, found "
                 f"{len(pattern.findall(text))}")
    path.write_text(pattern.sub(lambda _: block, text))
    print(f"{path}: {markdown_summary()}")
elif sys.argv[1:]:
    sys.exit("usage: python -m dl_parity.catalog [--write README.md]")
else:
    print(block, end="")
