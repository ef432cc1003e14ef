import io

def png_bytes(fig) -> bytes:
  """A matplotlib figure as PNG bytes, laid out, for write_atomic."""
  fig.tight_layout()
  png = io.BytesIO()
  fig.savefig(png, format="png", dpi=120)
  return png.getvalue()
