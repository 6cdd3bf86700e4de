//! NDJSON input: one canonical record per line. Blank lines are skipped; a
//! line that is not valid UTF-8 or not valid JSON is rejected with its line
//! number, and reading goes on with the next line.

use std::io::BufRead;

use serde_json::Value;

/// The records of an NDJSON stream: `(line_number, record or why not)` for
/// each non-blank line. Only an I/O error ends the stream early.
pub struct Records<R> {
    reader: R,
    buf: Vec<u8>,
    line_no: u64,
}

impl<R: BufRead> Records<R> {
    pub fn new(reader: R) -> Self {
        Records {
            reader,
            buf: Vec::new(),
            line_no: 0,
        }
    }
}

impl<R: BufRead> Iterator for Records<R> {
    type Item = std::io::Result<(u64, Result<Value, String>)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.buf.clear();
            match self.reader.read_until(b'\n', &mut self.buf) {
                Err(e) => return Some(Err(e)),
                Ok(0) => return None,
                Ok(_) => {}
            }
            self.line_no += 1;
            let bytes = match (self.line_no, self.buf.strip_prefix(b"\xEF\xBB\xBF")) {
                (1, Some(rest)) => rest,
                _ => &self.buf[..],
            };
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(Ok((self.line_no, parse_line(bytes))));
        }
    }
}

fn parse_line(bytes: &[u8]) -> Result<Value, String> {
    // Without its line ending, so that a truncated record's error points at
    // the end of the line rather than "column 0" of a next one.
    let bytes = bytes.trim_ascii_end();
    let line = std::str::from_utf8(bytes)
        .map_err(|e| format!("invalid UTF-8 at byte {} of the line", e.valid_up_to() + 1))?;
    serde_json::from_str::<Value>(line).map_err(|e| {
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg);
        format!("invalid JSON at column {}: {msg}", e.column())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(input: &[u8]) -> Vec<(u64, Result<Value, String>)> {
        Records::new(input).map(|r| r.unwrap()).collect()
    }

    #[test]
    fn lines_are_numbered_and_blank_lines_skipped() {
        let out = collect(b"\xEF\xBB\xBF{\"a\":1}\n\n  \n{\"b\":2}");
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].0, 1);
        assert_eq!(out[1].0, 4);
        assert_eq!(out[1].1.as_ref().unwrap()["b"], 2);
    }

    #[test]
    fn bad_lines_are_rejected_with_a_reason() {
        let out = collect(b"{\"a\":\n\xff\xfe\n{\"ok\":true}\n");
        assert!(
            out[0]
                .1
                .as_ref()
                .unwrap_err()
                .starts_with("invalid JSON at column")
        );
        assert!(out[1].1.as_ref().unwrap_err().contains("UTF-8"));
        assert!(out[2].1.is_ok());
    }
}
