"""``python -m dl_parity.catalog`` prints the README's formula count and table."""
from . import markdown_summary, markdown_table

print(markdown_summary())
print()
print(markdown_table())
