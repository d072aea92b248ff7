//! Job identifiers: `job_<unix millis>_<16 hex digits>`.
//!
//! The millisecond timestamp is part of the id so that an id the server no longer holds can
//! still be told apart as "expired" (older than the retention) or "not found"; the 8 random bytes
//! come from the OS CSPRNG so ids cannot be guessed from one another.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;

/// A well-formed job id. Construct with [`JobId::generate`] or by parsing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(String);

/// A string that does not match `^job_[0-9]{13}_[0-9a-f]{16}$`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a job id")]
pub struct InvalidJobId;

impl JobId {
    /// A fresh id for a job created at `now`.
    pub fn generate(now: Timestamp) -> Result<Self, getrandom::Error> {
        let mut random = [0u8; 8];
        getrandom::fill(&mut random)?;
        let millis = now.as_millisecond().clamp(0, 9_999_999_999_999);
        Ok(Self(format!(
            "job_{millis:013}_{:016x}",
            u64::from_be_bytes(random)
        )))
    }

    /// The creation time embedded in the id.
    pub fn created_at(&self) -> Timestamp {
        let millis: i64 = self.0[4..17].parse().unwrap_or(0);
        Timestamp::from_millisecond(millis).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for JobId {
    type Err = InvalidJobId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.as_bytes();
        let well_formed = b.len() == 34
            && s.starts_with("job_")
            && b[4..17].iter().all(u8::is_ascii_digit)
            && b[17] == b'_'
            && b[18..]
                .iter()
                .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'));
        if well_formed {
            Ok(Self(s.to_owned()))
        } else {
            Err(InvalidJobId)
        }
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_match_the_pattern_and_embed_the_time() {
        let now = Timestamp::from_millisecond(1_738_268_400_000).unwrap();
        let id = JobId::generate(now).unwrap();
        assert!(id.as_str().starts_with("job_1738268400000_"), "{id}");
        assert_eq!(id.as_str().parse::<JobId>().unwrap(), id);
        assert_eq!(id.created_at(), now);
        assert_ne!(JobId::generate(now).unwrap(), id);
    }

    #[test]
    fn malformed_ids_are_refused() {
        for bad in [
            "",
            "job_",
            "job_1738268400000_a1b2c3d4e5f6a7b",
            "job_1738268400000_a1b2c3d4e5f6a7b8a",
            "job_1738268400000_A1B2C3D4E5F6A7B8",
            "job_173826840000x_a1b2c3d4e5f6a7b8",
            "jobs1738268400000_a1b2c3d4e5f6a7b8",
            "job_1738268400000-a1b2c3d4e5f6a7b8",
            "../job_1738268400000_a1b2c3d4e5f",
            "job_1738268400000_a1b2c3d4e5f6é7",
        ] {
            assert_eq!(bad.parse::<JobId>(), Err(InvalidJobId), "{bad}");
        }
        assert!(
            "job_1738268400000_a1b2c3d4e5f6a7b8"
                .parse::<JobId>()
                .is_ok()
        );
    }
}
