//! The text rule of type sniffing (contract §1.1): which leading bytes are a text export.
//! It mirrors how the analysis script decodes text (analysis-spec §2.1): a BOM, UTF-16 without
//! BOM recognised by its NUL bytes, else UTF-8 or cp1252. A NUL byte alone never makes a file
//! binary, since Ahrefs exports are UTF-16.

/// The text rule of contract §1.1 (mirrors analysis-spec §2.1, which decodes the same bytes).
pub fn is_text(head: &[u8]) -> bool {
    if head.starts_with(b"\xEF\xBB\xBF")
        || head.starts_with(b"\xFF\xFE")
        || head.starts_with(b"\xFE\xFF")
    {
        return true;
    }
    let nul_at_even = head.iter().step_by(2).filter(|b| **b == 0).count();
    let nul_at_odd = head.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    if nul_at_even + nul_at_odd == 0 {
        return is_utf8_allowing_cut_end(head) || is_cp1252(head);
    }
    looks_like_utf16_without_bom(head, nul_at_even, nul_at_odd)
}

/// UTF-16 text of Latin script has a NUL in (nearly) every other byte, all at the same parity;
/// a binary file's NULs are spread over both. Then the code units must decode.
fn looks_like_utf16_without_bom(head: &[u8], nul_at_even: usize, nul_at_odd: usize) -> bool {
    let (dominant, other, little_endian) = if nul_at_odd >= nul_at_even {
        (nul_at_odd, nul_at_even, true)
    } else {
        (nul_at_even, nul_at_odd, false)
    };
    // Integer form of "dominant >= 30 % of the bytes" and "other < 5 % of the bytes".
    if dominant * 10 < head.len() * 3 || other * 20 >= head.len() {
        return false;
    }
    let units = head.chunks_exact(2).map(|pair| {
        if little_endian {
            u16::from_le_bytes([pair[0], pair[1]])
        } else {
            u16::from_be_bytes([pair[0], pair[1]])
        }
    });
    let decoded: Vec<_> = char::decode_utf16(units).collect();
    let last = decoded.len().saturating_sub(1);
    // The head may end between the two halves of a surrogate pair: only the last may fail.
    decoded
        .iter()
        .enumerate()
        .all(|(i, unit)| unit.is_ok() || i == last)
}

pub fn is_utf8_allowing_cut_end(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        // `error_len() == None` means the input ended inside a sequence: the head was cut.
        Err(e) => e.error_len().is_none(),
    }
}

/// Strict cp1252, as Python's codec: the five unassigned bytes do not decode.
fn is_cp1252(head: &[u8]) -> bool {
    !head
        .iter()
        .any(|b| matches!(b, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D))
}
