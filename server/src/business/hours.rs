//! Opening hours in the business's own time zone.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use kontor_protocol::business::OpeningHours;

/// The business's time zone; an unknown name (validated on save, so only from an old row)
/// falls back to UTC rather than failing a customer's message.
fn zone(hours: &OpeningHours) -> TimeZone {
    TimeZone::get(&hours.time_zone).unwrap_or(TimeZone::UTC)
}

/// Whether `name` is a time zone this server knows.
pub fn known_zone(name: &str) -> bool {
    TimeZone::get(name).is_ok()
}

fn local(hours: &OpeningHours, at_ms: i64) -> Option<jiff::ZonedDateTime> {
    Timestamp::from_millisecond(at_ms)
        .ok()
        .map(|t| t.to_zoned_datetime(zone(hours)))
}

/// Whether the business is open at `at_ms` (ms since the epoch).
pub fn is_open(hours: &OpeningHours, at_ms: i64) -> bool {
    if hours.always_open {
        return true;
    }
    let Some(now) = local(hours, at_ms) else {
        return true;
    };
    let weekday = now.weekday().to_monday_zero_offset() as u8;
    let minute = now.hour() as u16 * 60 + now.minute() as u16;
    hours
        .intervals
        .iter()
        .any(|i| i.weekday == weekday && i.open <= minute && minute < i.close)
}

/// The local calendar day (`YYYY-MM-DD`) of `at_ms` in the business's time zone.
pub fn local_day(hours: &OpeningHours, at_ms: i64) -> String {
    match local(hours, at_ms) {
        Some(z) => z.date().to_string(),
        None => "1970-01-01".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kontor_protocol::business::OpenInterval;

    fn stockholm_weekdays() -> OpeningHours {
        OpeningHours {
            time_zone: "Europe/Stockholm".into(),
            intervals: (0..5)
                .map(|weekday| OpenInterval {
                    weekday,
                    open: 9 * 60,
                    close: 17 * 60,
                })
                .collect(),
            always_open: false,
        }
    }

    #[test]
    fn open_in_local_time_only() {
        let hours = stockholm_weekdays();
        // Wed 2026-11-25 08:30 UTC = 09:30 in Stockholm (CET, UTC+1): open.
        let ts = |s: &str| s.parse::<Timestamp>().unwrap().as_millisecond();
        assert!(is_open(&hours, ts("2026-11-25T08:30:00Z")));
        // 16:30 UTC = 17:30 local: closed.
        assert!(!is_open(&hours, ts("2026-11-25T16:30:00Z")));
        // Saturday: closed all day.
        assert!(!is_open(&hours, ts("2026-11-28T10:00:00Z")));
        // 23:30 UTC on Tuesday is already Wednesday in Stockholm.
        assert_eq!(local_day(&hours, ts("2026-11-24T23:30:00Z")), "2026-11-25");
        assert!(is_open(
            &OpeningHours::default(),
            ts("2026-11-28T03:00:00Z")
        ));
    }

    #[test]
    fn zones_are_checked() {
        assert!(known_zone("Europe/Stockholm"));
        assert!(known_zone("UTC"));
        assert!(!known_zone("Mars/Olympus"));
    }
}
