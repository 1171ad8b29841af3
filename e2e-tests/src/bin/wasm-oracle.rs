//! Answers `validate` payloads with policy.wasm for another process: the wasm_differential
//! fuzz target, which compares them with the native policy's. Running wasmtime here keeps it
//! out of the fuzz target's build (instrumented and sanitized, it was most of that build).
//!
//! Usage: wasm-oracle [--renew N] [--fresh N]   (policy.wasm: `$POLICY_WASM`, else the
//! repository's). A warm instance serves N requests in a row (default 64); every N-th request
//! is also answered by a fresh instance (default 16). A call past 5 seconds is interrupted.
//!
//! Protocol on standard input and output, integers little-endian u32: once the module is
//! compiled, the program writes one byte (1). A request is its length and the payload; the
//! reply is the number of answers, then for each a status byte (0: the answer, 1: the call
//! failed), the length and text of which instance gave it, and the length and bytes of the
//! answer or of what failed. End of input ends the program.

use e2e_tests::{Limits, Policy, WasmAnswers, default_wasm};
use std::io::{BufReader, BufWriter, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

fn read_u32(r: &mut impl Read) -> std::io::Result<u32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(u32::from_le_bytes(b))
}

fn write_bytes(w: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    w.write_all(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes())?;
    w.write_all(bytes)
}

fn main() -> ExitCode {
    let (mut renew, mut fresh) = (64, 16);
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let n = args.next().and_then(|n| n.parse().ok());
        match (a.as_str(), n) {
            ("--renew", Some(n)) => renew = n,
            ("--fresh", Some(n)) => fresh = n,
            _ => {
                eprintln!("usage: wasm-oracle [--renew N] [--fresh N]");
                return ExitCode::from(2);
            }
        }
    }
    let limits = Limits {
        memory_bytes: 512 << 20,
        deadline: Duration::from_secs(5),
    };
    let answers = Policy::load_limited(&default_wasm(), limits)
        .and_then(|policy| WasmAnswers::new(policy, renew, fresh));
    let mut answers = match answers {
        Ok(a) => a,
        Err(e) => {
            eprintln!("wasm-oracle: {e}");
            return ExitCode::from(2);
        }
    };
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut output = BufWriter::new(std::io::stdout().lock());
    let served = (|| -> std::io::Result<()> {
        output.write_all(&[1])?;
        output.flush()?;
        let mut payload = Vec::new();
        loop {
            let len = match read_u32(&mut input) {
                Ok(n) => n as usize,
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
                Err(e) => return Err(e),
            };
            payload.resize(len, 0);
            input.read_exact(&mut payload)?;
            let replies = answers.answer(&payload);
            output.write_all(&(replies.len() as u32).to_le_bytes())?;
            for (which, answer) in replies {
                let (status, body) = match answer {
                    Ok(bytes) => (0u8, bytes),
                    Err(e) => (1u8, e.into_bytes()),
                };
                output.write_all(&[status])?;
                write_bytes(&mut output, which.as_bytes())?;
                write_bytes(&mut output, &body)?;
            }
            output.flush()?;
        }
    })();
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wasm-oracle: {e}");
            ExitCode::FAILURE
        }
    }
}
