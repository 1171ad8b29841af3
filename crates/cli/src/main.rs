//! `tekton-buildah-lint`: the policy's rules over Tekton YAML files, for CI.

use libmimalloc_sys as mi;
use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

/// The analysis allocates many small, short-lived values (words, fields, invocations); on
/// the corpus, glibc's malloc and free were about a quarter of the CLI's instructions.
/// mimalloc, asked for a plain block whenever its blocks are aligned enough anyway (every
/// block of 16 bytes or more is 16-byte aligned): its aligned entry points check the
/// alignment on every call, 3% of the CLI's instructions.
struct Mimalloc;

/// The alignment every mimalloc block of at least this size has.
const BLOCK_ALIGN: usize = 16;

fn plain(layout: Layout) -> bool {
    layout.align() <= BLOCK_ALIGN && layout.align() <= layout.size()
}

// SAFETY: mimalloc's functions meet GlobalAlloc's contract; plain blocks are only used for
// layouts whose alignment every such block has.
unsafe impl GlobalAlloc for Mimalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: C allocation functions with no preconditions.
        unsafe {
            if plain(layout) {
                mi::mi_malloc(layout.size()) as *mut u8
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        unsafe {
            if plain(layout) {
                mi::mi_zalloc(layout.size()) as *mut u8
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator.
        unsafe { mi::mi_free(ptr as *mut c_void) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout`.
        unsafe {
            if plain(layout) && layout.align() <= new_size {
                mi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8
            } else {
                mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
            }
        }
    }
}

#[global_allocator]
static ALLOCATOR: Mimalloc = Mimalloc;

// mimalloc's option setter, and the number of `mi_option_purge_delay` in the v2 series
// (mimalloc.h's `mi_option_t`; the version is pinned in Cargo.lock).
unsafe extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

fn main() -> std::process::ExitCode {
    // A run lasts milliseconds: memory freed is better kept for reuse than handed back to
    // the system (10 ms later by default, and all of it at exit), which cost a few hundred
    // microseconds of system calls per run.
    // SAFETY: setting an option has no precondition; unknown options are ignored.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    tekton_buildah_lint::main()
}
