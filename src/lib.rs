//! kagami library
