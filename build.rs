//! Link settings of the Wasm policy.
//!
//! The request arena (`src/arena.rs`) takes its one-megabyte region from the system allocator
//! on the first request. Giving the module that much more initial memory than its statics and
//! stack need lets the allocator find the region in memory the instance already has: without
//! it, every fresh instance would grow its memory (a call into the runtime and a system call)
//! before answering. Untouched pages of initial memory cost nothing.

/// Initial linear memory: 1 MiB of stack, the statics (about 80 KiB), the arena's 1 MiB
/// region and room for the request that waPC copies in. A multiple of the 64 KiB page.
const INITIAL_MEMORY: u32 = 36 * 65536;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=--initial-memory={INITIAL_MEMORY}");
    }
}
