"""Write a VBA project (vbaProject.bin) from module source text, following [MS-OVBA].

The project holds source only, no compiled code: the `_VBA_PROJECT` stream says "version
independent" (0xFFFF), which makes Excel compile the modules from source when the file is
opened, the form xlwings' own quickstart_standalone.xlsm ships in. Everything is
deterministic: the project id, the encryption seed and the compound file come from the
project name and module text, so the same sources give the same bytes.

    modules = [Module("ThisWorkbook", text, DOCUMENT), Module("xlwings", text)]
    data = build_project("VBAProject", modules)
"""
from __future__ import annotations

import hashlib
import struct
import uuid
from dataclasses import dataclass

from . import cfb

PROCEDURAL, DOCUMENT, CLASS = "procedural", "document", "class"
CODEPAGE = 1252
LCID = 0x0409
SYSKIND_WIN64 = 3
# As Excel writes it for a new workbook: OLE Automation and the Office library (IRibbonControl).
REFERENCES = (
    ("stdole", "*\\G{00020430-0000-0000-C000-000000000046}#2.0#0#"
               "C:\\Windows\\System32\\stdole2.tlb#OLE Automation"),
    ("Office", "*\\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#"
               "C:\\Program Files\\Common Files\\Microsoft Shared\\OFFICE16\\MSO.DLL#"
               "Microsoft Office 16.0 Object Library"),
)
VBA_PROJECT_STREAM = bytes.fromhex("cc61ffff000100")   # same bytes as xlwings' quickstart files
WORKBOOK_BASE = "0{00020819-0000-0000-C000-000000000046}"
WORKSHEET_BASE = "0{00020820-0000-0000-C000-000000000046}"


@dataclass(frozen=True)
class Module:
    name: str
    source: str          # full module text as VBA stores it, Attribute lines included
    kind: str = PROCEDURAL


def document_module(name: str, workbook: bool = False) -> Module:
    """The empty code module behind ThisWorkbook or a worksheet (code name `name`)."""
    base = WORKBOOK_BASE if workbook else WORKSHEET_BASE
    text = (f'Attribute VB_Name = "{name}"\r\n'
            f'Attribute VB_Base = "{base}"\r\n'
            "Attribute VB_GlobalNameSpace = False\r\n"
            "Attribute VB_Creatable = False\r\n"
            "Attribute VB_PredeclaredId = True\r\n"
            "Attribute VB_Exposed = True\r\n"
            "Attribute VB_TemplateDerived = False\r\n"
            "Attribute VB_Customizable = True\r\n")
    return Module(name, text, DOCUMENT)


def normalise(text: str) -> str:
    """Source text with VBA's line ends (CRLF) and a final line end; nothing else changes."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
    return text if text.endswith("\r\n") else text + "\r\n"


def encode_source(text: str) -> bytes:
    """VBA source is stored in the project code page; anything outside it is refused here,
    not silently turned into '?' (use ChrW in VBA for Vietnamese text)."""
    try:
        return normalise(text).encode("cp1252")
    except UnicodeEncodeError as exc:
        line = text[:exc.start].count("\n") + 1
        raise ValueError(f"VBA source line {line}: {text[exc.start:exc.end]!r} is not in code page "
                         "1252; keep VBA text ASCII (ChrW for Vietnamese)") from None


# --- [MS-OVBA] 2.4.1 compression --------------------------------------------------------------

def _bit_count(difference: int) -> int:
    n = 4
    while (1 << n) < difference:
        n += 1
    return n


def compress(data: bytes) -> bytes:
    """CompressedContainer for `data` (greedy longest match within each 4096-byte chunk)."""
    out = bytearray(b"\x01")
    for chunk_start in range(0, len(data), 4096):
        chunk = data[chunk_start:chunk_start + 4096]
        body = _compress_chunk(chunk)
        if len(body) <= 4096:
            out += struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body
        elif len(chunk) == 4096:                        # incompressible: raw chunk
            out += struct.pack("<H", 0x3000 | 0x0FFF) + chunk
        else:
            raise ValueError("a short final chunk that does not compress cannot be stored raw")
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    out = bytearray()
    n = len(chunk)
    heads: dict[bytes, list[int]] = {}
    pos = 0
    while pos < n:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            best_len, best_off = 0, 0
            if pos >= 1 and pos + 3 <= n:
                bits = _bit_count(pos)
                max_len = min((0xFFFF >> bits) + 3, n - pos)
                for cand in reversed(heads.get(chunk[pos:pos + 3], ())):
                    length = 3
                    while length < max_len and chunk[cand + length] == chunk[pos + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_off = length, pos - cand
                        if length == max_len:
                            break
            if best_len >= 3:
                bits = _bit_count(pos)
                token = ((best_off - 1) << (16 - bits)) | (best_len - 3)
                out += struct.pack("<H", token)
                flags |= 1 << bit
                step = best_len
            else:
                out.append(chunk[pos])
                step = 1
            for p in range(pos, min(pos + step, n - 2)):
                heads.setdefault(chunk[p:p + 3], []).append(p)
            pos += step
        out[flag_at] = flags
    return bytes(out)


def decompress(data: bytes) -> bytes:
    """[MS-OVBA] 2.4.1.3.1, strict: raises ValueError on any malformed container."""
    if not data or data[0] != 1:
        raise ValueError("compressed container must start with 0x01")
    out = bytearray()
    i = 1
    while i < len(data):
        if i + 2 > len(data):
            raise ValueError("truncated chunk header")
        header = struct.unpack_from("<H", data, i)[0]
        size = (header & 0x0FFF) + 3
        if (header >> 12) & 0x7 != 0b011:
            raise ValueError(f"bad chunk signature at {i}")
        end = i + size
        if end > len(data):
            raise ValueError("chunk runs past the end of the container")
        start = len(out)
        j = i + 2
        if not header & 0x8000:
            if size != 4098:
                raise ValueError("raw chunk must hold 4096 bytes")
            out += data[j:end]
        else:
            while j < end:
                flags = data[j]
                j += 1
                for bit in range(8):
                    if j >= end:
                        break
                    if flags >> bit & 1:
                        if j + 2 > end:
                            raise ValueError("truncated copy token")
                        token = struct.unpack_from("<H", data, j)[0]
                        j += 2
                        bits = _bit_count(len(out) - start)
                        length = (token & (0xFFFF >> bits)) + 3
                        offset = (token >> (16 - bits)) + 1
                        src = len(out) - offset
                        if src < start:
                            raise ValueError("copy token reaches before its chunk")
                        for k in range(length):
                            out.append(out[src + k])
                    else:
                        out.append(data[j])
                        j += 1
            if len(out) - start > 4096:
                raise ValueError("chunk decompresses to more than 4096 bytes")
        i = end
    return bytes(out)


# --- [MS-OVBA] 2.4.3 data encryption (CMG, DPB, GC in the PROJECT stream) ---------------------

def encrypt(project_id: str, seed: int, data: bytes) -> str:
    version, key = 2, sum(project_id.encode("ascii")) & 0xFF
    out = [seed, seed ^ version, seed ^ key]
    unencrypted1, encrypted1, encrypted2 = key, seed ^ key, seed ^ version
    ignored = [seed] * ((seed & 6) // 2)
    for byte in [*ignored, *struct.pack("<I", len(data)), *data]:
        enc = byte ^ ((encrypted2 + unencrypted1) & 0xFF)
        out.append(enc)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte
    return bytes(out).hex().upper()


def decrypt(text: str) -> tuple[int, bytes]:
    """(project key, data): the inverse of `encrypt`, for checks."""
    buf = bytes.fromhex(text)
    seed, version_enc, key_enc = buf[0], buf[1], buf[2]
    if seed ^ version_enc != 2:
        raise ValueError("unknown encryption version")
    key = seed ^ key_enc
    unencrypted1, encrypted1, encrypted2 = key, key_enc, version_enc
    plain = bytearray()
    for enc in buf[3:]:
        byte = enc ^ ((encrypted2 + unencrypted1) & 0xFF)
        plain.append(byte)
        encrypted2, encrypted1, unencrypted1 = encrypted1, enc, byte
    plain = plain[(seed & 6) // 2:]
    length = struct.unpack_from("<I", plain)[0]
    if length != len(plain) - 4:
        raise ValueError("length does not match")
    return key, bytes(plain[4:])


# --- the streams --------------------------------------------------------------------------------

def _rec(rid: int, payload: bytes) -> bytes:
    return struct.pack("<HI", rid, len(payload)) + payload


def _text(rid: int, rid_unicode: int, text: str) -> bytes:
    return _rec(rid, text.encode("cp1252")) + _rec(rid_unicode, text.encode("utf-16-le"))


def dir_stream(project_name: str, modules: list[Module], version: tuple[int, int]) -> bytes:
    """The decompressed `VBA/dir` stream ([MS-OVBA] 2.3.4.2)."""
    out = bytearray()
    out += _rec(0x0001, struct.pack("<I", SYSKIND_WIN64))
    out += _rec(0x0002, struct.pack("<I", LCID))
    out += _rec(0x0014, struct.pack("<I", LCID))
    out += _rec(0x0003, struct.pack("<H", CODEPAGE))
    out += _rec(0x0004, project_name.encode("cp1252"))
    out += _text(0x0005, 0x0040, "")                       # doc string
    out += _text(0x0006, 0x003D, "")                       # help file
    out += _rec(0x0007, struct.pack("<I", 0))              # help context
    out += _rec(0x0008, struct.pack("<I", 0))              # lib flags
    out += struct.pack("<HIIH", 0x0009, 4, version[0], version[1])
    out += _text(0x000C, 0x003C, "")                       # conditional compilation constants
    for name, libid in REFERENCES:
        out += _text(0x0016, 0x003E, name)
        lib = libid.encode("cp1252")
        out += _rec(0x000D, struct.pack("<I", len(lib)) + lib + struct.pack("<IH", 0, 0))
    out += _rec(0x000F, struct.pack("<H", len(modules)))
    out += _rec(0x0013, struct.pack("<H", 0xFFFF))
    for m in modules:
        out += _text(0x0019, 0x0047, m.name)
        out += _text(0x001A, 0x0032, m.name)               # stream name = module name
        out += _text(0x001C, 0x0048, "")                   # doc string
        out += _rec(0x0031, struct.pack("<I", 0))          # source starts at offset 0
        out += _rec(0x001E, struct.pack("<I", 0))          # help context
        out += _rec(0x002C, struct.pack("<H", 0xFFFF))     # cookie
        out += _rec(0x0021 if m.kind == PROCEDURAL else 0x0022, b"")
        out += _rec(0x002B, b"")                           # module terminator
    out += _rec(0x0010, b"")
    return bytes(out)


def project_stream(project_name: str, project_id: str, modules: list[Module], seed: int) -> bytes:
    """The `PROJECT` stream ([MS-OVBA] 2.3.1): text properties, no password, visible."""
    not_protected, no_password, visible = struct.pack("<I", 0), b"\x00", b"\xff"
    lines = [f'ID="{project_id}"']
    for m in modules:
        lines.append({DOCUMENT: f"Document={m.name}/&H00000000", CLASS: f"Class={m.name}",
                      PROCEDURAL: f"Module={m.name}"}[m.kind])
    lines += [
        f'Name="{project_name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{encrypt(project_id, seed, not_protected)}"',
        f'DPB="{encrypt(project_id, seed, no_password)}"',
        f'GC="{encrypt(project_id, seed, visible)}"',
        "",
        "[Host Extender Info]",
        "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000",
        "",
        "[Workspace]",
        *[f"{m.name}=0, 0, 0, 0, C" for m in modules],
        "",
    ]
    return "\r\n".join(lines).encode("cp1252")


def projectwm_stream(modules: list[Module]) -> bytes:
    out = bytearray()
    for m in modules:
        out += m.name.encode("cp1252") + b"\0" + m.name.encode("utf-16-le") + b"\0\0"
    return bytes(out + b"\0\0")


def build_project(project_name: str, modules: list[Module]) -> bytes:
    """vbaProject.bin bytes for the modules (ThisWorkbook and sheet modules are DOCUMENT)."""
    names = [m.name for m in modules]
    if len(set(n.lower() for n in names)) != len(names):
        raise ValueError(f"duplicate module names: {names}")
    if project_name.lower() in {n.lower() for n in names}:
        raise ValueError("a module cannot have the project's name")
    for n in [project_name, *names]:
        if not (n.isascii() and n.replace("_", "a").isalnum() and n[0].isalpha() and len(n) <= 31):
            raise ValueError(f"not a VBA identifier: {n!r}")
    sources = {m.name: encode_source(m.source) for m in modules}
    for m in modules:
        first = sources[m.name].split(b"\r\n", 1)[0]
        if first != f'Attribute VB_Name = "{m.name}"'.encode():
            raise ValueError(f"module {m.name}: first line must be Attribute VB_Name = \"{m.name}\"")
    digest = hashlib.sha256(project_name.encode() + b"".join(
        m.name.encode() + b"\0" + sources[m.name] for m in modules)).digest()
    project_id = "{" + str(uuid.UUID(bytes=digest[:16], version=4)).upper() + "}"
    seed = digest[16]
    version = (struct.unpack_from("<I", digest, 17)[0], struct.unpack_from("<H", digest, 21)[0])
    streams = {
        "PROJECT": project_stream(project_name, project_id, modules, seed),
        "PROJECTwm": projectwm_stream(modules),
        "VBA/_VBA_PROJECT": VBA_PROJECT_STREAM,
        "VBA/dir": compress(dir_stream(project_name, modules, version)),
    }
    for m in modules:
        streams[f"VBA/{m.name}"] = compress(sources[m.name])
    return cfb.build(streams)
