"""Card text inside generated C, C++, CUDA and Fortran sources: one encoder per context.

A card can come from the Hub: its free text (a unit, a summary, a name) is untrusted input.
Every string that ``zoo export`` or the CUDA code generator writes into a source goes through
exactly one of these, by where it lands:

* ``comment(text)``: inside a ``/* ... */`` or ``//`` (C family) or ``!`` (Fortran) comment.
  The result is printable ASCII with no backslash, no ``*/``, no ``/*``, no ``??`` (trigraphs)
  and no line break: it can neither end the comment, nor splice the next line into it, nor
  start a preprocessor line. Anything else is written as ``<U+XXXX>``.
* ``string_literal(text)``: the body of a C string literal (without the quotes): printable
  ASCII except ``"``, ``\\`` and ``?``, which with every other character become octal escapes.
* ``identifier(text, what)``: a name used as a C/C++/CUDA/Fortran identifier: refused
  (``ValueError`` naming ``what``) unless it is ``[A-Za-z][A-Za-z0-9_]*``, at most 63
  characters, and not a keyword of C, C++ or CUDA (Fortran has none).

The card schema already refuses control characters, line separators and bidirectional
controls in every text field (``zoo.card.Text``); these encoders do not rely on it.
"""
from __future__ import annotations

import re

_SAFE_COMMENT = set(chr(c) for c in range(0x20, 0x7F)) - {"\\"}
_SAFE_STRING = set(chr(c) for c in range(0x20, 0x7F)) - {"\\", '"', "?"}
_IDENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")

#: keywords of C23, C++23 and CUDA (and the alternative operator spellings of C++): an
#: identifier spelled like one is refused. Fortran has no reserved words.
KEYWORDS = frozenset("""
alignas alignof and and_eq asm atomic_cancel atomic_commit atomic_noexcept auto bitand bitor
bool break case catch char char8_t char16_t char32_t class co_await co_return co_yield compl
concept const consteval constexpr constinit const_cast continue decltype default delete do double
dynamic_cast else enum explicit export extern false float for friend goto if inline int long
mutable namespace new noexcept not not_eq nullptr operator or or_eq private protected public
reflexpr register reinterpret_cast requires restrict return short signed sizeof static
static_assert static_cast struct switch synchronized template this thread_local throw true try
typedef typeid typename typeof typeof_unqual union unsigned using virtual void volatile wchar_t
while xor xor_eq _Alignas _Alignof _Atomic _BitInt _Bool _Complex _Decimal128 _Decimal32
_Decimal64 _Generic _Imaginary _Noreturn _Static_assert _Thread_local
__device__ __global__ __host__ __shared__ __constant__ __managed__ __restrict__ __forceinline__
__noinline__ NULL NAN INFINITY
""".split())


def _u(ch: str) -> str:
    return f"<U+{ord(ch):04X}>"


def comment(text: str) -> str:
    """``text`` as safe comment content (see the module docstring)."""
    out = "".join(ch if ch in _SAFE_COMMENT else _u(ch) for ch in str(text))
    # break the two-character sequences that end or open a comment, or form a trigraph
    for pair, repl in (("*/", "*" + _u("/")), ("/*", "/" + _u("*")), ("??", "?" + _u("?"))):
        while pair in out:
            out = out.replace(pair, repl)
    return out


def string_literal(text: str) -> str:
    """``text`` as the body of a C string literal, every unsafe byte an octal escape."""
    return "".join(ch if ch in _SAFE_STRING else "".join(f"\\{b:03o}" for b in ch.encode("utf-8"))
                   for ch in str(text))


def identifier(text: str, what: str, max_len: int | None = 63) -> str:
    """``text`` if it is a safe identifier in every exported language, else ``ValueError``
    (``max_len``: 63, the Fortran 2003 limit, or None for C-only names)."""
    if not isinstance(text, str) or not _IDENT.match(text) or (max_len is not None and len(text) > max_len):
        raise ValueError(f"{what} {text!r} cannot be a C/C++/CUDA/Fortran identifier: it must match "
                         f"[A-Za-z][A-Za-z0-9_]*" + (f" and have at most {max_len} characters" if max_len else ""))
    if text in KEYWORDS:
        raise ValueError(f"{what} {text!r} is a keyword of C, C++ or CUDA; rename it in the card")
    return text
