//! RFC 3339 instants: how `gt`…`lte` order strings that are dates or
//! date-times. Separate because the SQL backends parse instants the same way.

/// An RFC 3339 date-time, or a `YYYY-MM-DD` date (midnight UTC), as
/// nanoseconds since the epoch.
pub(crate) fn instant(s: &str) -> Option<i128> {
    let b = s.as_bytes();
    if b.len() < 10 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    if b.len() == 10 {
        let y: i32 = s[..4].parse().ok()?;
        let m: u8 = s[5..7].parse().ok()?;
        let d: u8 = s[8..10].parse().ok()?;
        let date = time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()?;
        return Some(date.midnight().assume_utc().unix_timestamp_nanos());
    }
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants() {
        assert_eq!(instant("2024-01-01"), instant("2024-01-01T00:00:00Z"));
        assert_eq!(
            instant("2024-01-01T02:00:00+02:00"),
            instant("2024-01-01T00:00:00Z")
        );
        assert!(instant("2024-02-30").is_none());
        assert!(instant("2024-01-01 00:00").is_none());
        assert!(instant("hello").is_none());
    }
}
