//! Time: instants are i64 milliseconds since the Unix epoch (UTC); civil times are shown in
//! Asia/Shanghai (UTC+8, no daylight saving).

const SHANGHAI_OFFSET_MS: i64 = 8 * 3600 * 1000;
const DAY_MS: i64 = 86_400_000;

/// (year, month, day) from days since 1970-01-01 (Howard Hinnant's civil_from_days).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// "2026-11-23 15:04" in Asia/Shanghai.
pub fn format_shanghai(ms: i64) -> String {
    let local = ms + SHANGHAI_OFFSET_MS;
    let (y, mo, d) = civil_from_days(local.div_euclid(DAY_MS));
    let secs = local.rem_euclid(DAY_MS) / 1000;
    format!("{y:04}-{mo:02}-{d:02} {:02}:{:02}", secs / 3600, secs / 60 % 60)
}

/// "2026-11-23": the civil date of an instant in Asia/Shanghai.
pub fn date_shanghai(ms: i64) -> String {
    format_shanghai(ms)[..10].to_string()
}

/// Start of a civil date (YYYY-MM-DD) in Asia/Shanghai, as epoch milliseconds.
pub fn parse_shanghai_date(text: &str) -> Option<i64> {
    let mut it = text.trim().splitn(3, '-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: u32 = it.next()?.parse().ok()?;
    let d: u32 = it.next()?.parse().ok()?;
    if !(1..=12).contains(&m) || d == 0 || d > 31 || !(1900..=9999).contains(&y) {
        return None;
    }
    let days = days_from_civil(y, m, d);
    if civil_from_days(days) != (y, m, d) {
        return None;
    }
    Some(days * DAY_MS - SHANGHAI_OFFSET_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_shanghai_civil_time() {
        assert_eq!(format_shanghai(0), "1970-01-01 08:00");
        // 2024-02-29 16:30 UTC is 2024-03-01 00:30 in Shanghai.
        let ms = (days_from_civil(2024, 2, 29) * 86_400 + 16 * 3600 + 30 * 60) * 1000;
        assert_eq!(format_shanghai(ms), "2024-03-01 00:30");
    }

    #[test]
    fn dates_round_trip_and_invalid_dates_are_refused() {
        let ms = parse_shanghai_date("2026-11-23").unwrap();
        assert_eq!(format_shanghai(ms), "2026-11-23 00:00");
        assert!(parse_shanghai_date("2026-02-30").is_none());
        assert!(parse_shanghai_date("2026-13-01").is_none());
        assert!(parse_shanghai_date("yesterday").is_none());
        for days in [-1000, 0, 19_000, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
