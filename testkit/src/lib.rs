//! What the tests of nstools and `cargo xtask` share, and no tool ships: the
//! private sandbox a test or `cargo xtask e2e` runs in (`sandbox`), with the
//! snapshot of the state a tool may change (`sandbox::SNAPSHOT`).

pub mod sandbox;
