"""``python -m dl_parity.catalog`` prints the README's formula table."""
from . import markdown_table

print(markdown_table())
