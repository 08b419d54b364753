//! `format`: `date-time` and `uri`.
//!
//! date-time: `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` per RFC 3339 (`T`/`Z` in either
//! case, seconds 00–60 for a leap second). Tolerance: a missing offset is accepted (chargers
//! send local-less timestamps; the Python side reads them as UTC). Impossible dates (month 13,
//! Feb 30, Feb 29 outside leap years) are refused.
//! uri: a scheme (`ALPHA *(ALPHA / DIGIT / + - .)`) then `:` and at least one character, with
//! no whitespace or control characters; deliberately loose.

pub fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 19 {
        return false;
    }
    let (Some(year), Some(month), Some(day)) = (digits(b, 0, 4), digits(b, 5, 2), digits(b, 8, 2))
    else {
        return false;
    };
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return false;
    }
    let (Some(hour), Some(minute), Some(second)) =
        (digits(b, 11, 2), digits(b, 14, 2), digits(b, 17, 2))
    else {
        return false;
    };
    if b[13] != b':' || b[16] != b':' || hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    if month == 0 || month > 12 || day == 0 || day > days_in_month(year, month) {
        return false;
    }
    offset(&b[fraction_end(b, 19)..])
}

fn fraction_end(b: &[u8], mut i: usize) -> usize {
    if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    i
}

/// `""` (tolerated), `Z`, or `±HH:MM`.
fn offset(rest: &[u8]) -> bool {
    match rest {
        [] | [b'Z' | b'z'] => true,
        [b'+' | b'-', ..] if rest.len() == 6 && rest[3] == b':' => {
            matches!((digits(rest, 1, 2), digits(rest, 4, 2)), (Some(h), Some(m)) if h <= 23 && m <= 59)
        }
        _ => false,
    }
}

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let mut v = 0;
    for &d in b.get(at..at + n)? {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(d - b'0');
    }
    Some(v)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

pub fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_times() {
        for ok in [
            "2024-02-29T23:59:60Z",
            "2024-01-01T00:00:00.123456Z",
            "2024-01-01t00:00:00z",
            "2024-01-01T00:00:00+05:30",
            "2024-01-01T00:00:00-00:00",
            "2024-01-01T00:00:00",
            "2024-01-01T00:00:00.5",
        ] {
            assert!(is_date_time(ok), "{ok}");
        }
        for bad in [
            "2024-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-02-30T00:00:00Z",
            "2024-04-31T00:00:00Z",
            "2024-01-01 00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+0530",
            "2024-01-01T00:00:00+24:00",
            "2024-01-01",
            "yesterday",
            "2024-01-01T00:00:00Zjunk",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }

    #[test]
    fn uris() {
        assert!(is_uri("ftp://host/file.bin"));
        assert!(is_uri("https://example.com/a?b=c"));
        assert!(!is_uri("no scheme"));
        assert!(!is_uri("1http://x"));
        assert!(!is_uri("http:"));
        assert!(!is_uri("http://a b"));
    }
}
