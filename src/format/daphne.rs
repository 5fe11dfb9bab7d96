//! (stub: being written)

use super::Format;

/// The formats of this file, in detection order.
pub fn formats() -> Vec<&'static dyn Format> {
    Vec::new()
}
