//! Environment variables buildah reads in place of an option (buildah(1) and
//! buildah-build(1) document them; `STORAGE_DRIVER` comes from containers-storage).

/// The variable that sets the same thing as `--long` on `command` (`None` for global
/// options), if there is one.
pub fn equivalent(command: Option<&str>, long: &str) -> Option<&'static str> {
    Some(match (command, long) {
        (_, "storage-driver") => "STORAGE_DRIVER",
        (_, "authfile") => "REGISTRY_AUTH_FILE",
        (Some("build"), "format") => "BUILDAH_FORMAT",
        (Some("build"), "layers") => "BUILDAH_LAYERS",
        (Some("build"), "isolation") => "BUILDAH_ISOLATION",
        _ => return None,
    })
}

/// Transports of `buildah push` destinations that stay on the machine: such a push copies the
/// image into a local layout and publishes nothing.
pub const LOCAL_TRANSPORTS: &[&str] = &[
    "oci:",
    "oci-archive:",
    "dir:",
    "docker-archive:",
    "containers-storage:",
    "docker-daemon:",
];
