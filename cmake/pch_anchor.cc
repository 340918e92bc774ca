// The one source of the precompiled-header targets (cmake/Pch.cmake): a target needs a
// source of its own; the header itself comes in through the precompiled header.
