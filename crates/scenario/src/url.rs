//! Scenarios in share links: `s=1.<data>` in the URL fragment, where `1` is
//! the encoding version and `<data>` is the compact JSON, raw-deflated and
//! written in unpadded base64url. A fragment never reaches a server, and the
//! compression keeps a scenario with a few hundred actions in a short link.
//!
//! Links live forever in blog posts, so the decoder treats its input as
//! hostile: every failure is an error with a message for people, and the
//! decompressed size is bounded so a crafted link cannot freeze a tab.

use crate::error::ScenarioError;
use crate::json::{from_json, to_json_compact};
use crate::model::Scenario;

/// The encoding version this build writes and reads.
const ENCODING_VERSION: u32 = 1;
/// Bound on the decompressed JSON; far above any real scenario.
const DECOMPRESSED_BYTES_MAX: usize = 4 << 20;
/// Bound on the encoded data, checked before decoding anything. Deflate
/// adds at most 5 bytes per 64 KiB block even to incompressible data, and
/// base64 a third, so any link whose scenario fits in
/// [`DECOMPRESSED_BYTES_MAX`] is shorter.
const ENCODED_CHARS_MAX: usize = 8 << 20;
/// miniz's best ratio; links are made rarely and read often.
const COMPRESSION_LEVEL: u8 = 9;

/// `s=1.<data>`, to put after the `#` of a link.
pub fn to_url_fragment(scenario: &Scenario) -> String {
    let compressed = miniz_oxide::deflate::compress_to_vec(to_json_compact(scenario).as_bytes(), COMPRESSION_LEVEL);
    format!("s={ENCODING_VERSION}.{}", base64url::encode(&compressed))
}

/// Reads the scenario of a link fragment, with or without its leading `#`.
/// Other `&`-separated parameters (a position, the panels to show) are
/// ignored, so the page can add its own next to `s=`.
pub fn from_url_fragment(fragment: &str) -> Result<Scenario, ScenarioError> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    let encoded = fragment
        .split('&')
        .find_map(|parameter| parameter.strip_prefix("s="))
        .ok_or_else(|| damaged("it has no scenario (no s= part)"))?;
    let (version, data) =
        encoded.split_once('.').ok_or_else(|| damaged("its scenario has no encoding version (expected s=1.…)"))?;
    check_encoding_version(version)?;
    if data.len() > ENCODED_CHARS_MAX {
        return Err(too_large());
    }
    let compressed = base64url::decode(data).map_err(|reason| damaged(&reason))?;
    let json =
        miniz_oxide::inflate::decompress_to_vec_with_limit(&compressed, DECOMPRESSED_BYTES_MAX).map_err(|error| {
            match error.status {
                miniz_oxide::inflate::TINFLStatus::HasMoreOutput => too_large(),
                _ => damaged("its scenario data does not decompress (was the link cut short when copied?)"),
            }
        })?;
    let json = String::from_utf8(json).map_err(|_| damaged("its scenario is not valid text"))?;
    from_json(&json).map_err(|error| {
        if error.line.is_some() {
            // A position inside JSON the person never saw would not help them.
            damaged(&format!("its scenario is not valid JSON ({})", error.message))
        } else if error.path.is_empty() {
            damaged(&error.message)
        } else {
            error
        }
    })
}

fn check_encoding_version(version: &str) -> Result<(), ScenarioError> {
    let parsed = match version.parse::<u32>() {
        Ok(parsed) if version.bytes().all(|b| b.is_ascii_digit()) => parsed,
        _ => return Err(damaged("its encoding version is not a number")),
    };
    if parsed == ENCODING_VERSION {
        Ok(())
    } else if parsed > ENCODING_VERSION {
        Err(ScenarioError::whole(format!(
            "this link was made by a newer Faultline (encoding version {parsed}); this one reads version {ENCODING_VERSION}"
        )))
    } else {
        Err(damaged(&format!("unknown encoding version {parsed}")))
    }
}

fn damaged(reason: &str) -> ScenarioError {
    ScenarioError::whole(format!("the link is damaged: {reason}"))
}

fn too_large() -> ScenarioError {
    ScenarioError::whole(format!("the link's scenario is larger than {} MiB", DECOMPRESSED_BYTES_MAX >> 20))
}

/// Unpadded base64 with the URL-safe alphabet (RFC 4648 §5), small enough to
/// own rather than depend on.
mod base64url {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    pub(super) fn encode(bytes: &[u8]) -> String {
        let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
        for chunk in bytes.chunks(3) {
            let group = chunk
                .iter()
                .enumerate()
                .fold(0u32, |group, (index, &byte)| group | u32::from(byte) << (16 - 8 * index));
            // n bytes carry 8n bits, written as n + 1 characters of 6 bits.
            for index in 0..=chunk.len() {
                let sextet = (group >> (18 - 6 * index)) & 0x3f;
                out.push(char::from(ALPHABET[sextet as usize]));
            }
        }
        out
    }

    pub(super) fn decode(text: &str) -> Result<Vec<u8>, String> {
        let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
        let mut group = 0u32;
        let mut sextets = 0;
        for (index, c) in text.chars().enumerate() {
            let sextet = match c {
                'A'..='Z' => c as u32 - 'A' as u32,
                'a'..='z' => c as u32 - 'a' as u32 + 26,
                '0'..='9' => c as u32 - '0' as u32 + 52,
                '-' => 62,
                '_' => 63,
                _ => {
                    return Err(format!(
                        "character {} at position {} of its scenario data is not allowed there",
                        crate::error::quote(&c.to_string()),
                        index + 1
                    ))
                }
            };
            group = group << 6 | sextet;
            sextets += 1;
            if sextets == 4 {
                out.extend_from_slice(&group.to_be_bytes()[1..]);
                group = 0;
                sextets = 0;
            }
        }
        // A last group of 2 or 3 characters carries 1 or 2 bytes.
        match sextets {
            1 => return Err("its scenario data was cut short".to_owned()),
            2 => out.push((group >> 4) as u8),
            3 => out.extend_from_slice(&((group >> 2) as u16).to_be_bytes()),
            _ => {}
        }
        Ok(out)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn matches_rfc_4648_vectors() {
            let vectors = [
                ("", ""),
                ("f", "Zg"),
                ("fo", "Zm8"),
                ("foo", "Zm9v"),
                ("foob", "Zm9vYg"),
                ("fooba", "Zm9vYmE"),
                ("foobar", "Zm9vYmFy"),
            ];
            for (plain, encoded) in vectors {
                assert_eq!(encode(plain.as_bytes()), encoded);
                assert_eq!(decode(encoded).unwrap(), plain.as_bytes());
            }
            assert_eq!(encode(&[0xfb, 0xff]), "-_8");
        }

        #[test]
        fn round_trips_every_length() {
            let bytes: Vec<u8> = (0..=255).collect();
            for len in 0..bytes.len() {
                assert_eq!(decode(&encode(&bytes[..len])).unwrap(), &bytes[..len]);
            }
        }
    }
}
