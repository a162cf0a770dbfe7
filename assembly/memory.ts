// Typed access to the header and the packed columns. Every column offset comes from the header
// the host wrote, so these helpers are the only place that turns an index into an address.
import { HEADER_BASE, CONFIG_BASE, REQUEST_BASE, OUT_BASE } from "./layout";

@inline export function header(slot: i32): i32 {
  return load<i32>(HEADER_BASE + (slot << 2));
}
@inline export function config(slot: i32): f64 {
  return load<f64>(CONFIG_BASE + (slot << 3));
}
@inline export function request(slot: i32): f64 {
  return load<f64>(REQUEST_BASE + (slot << 3));
}
@inline export function setOut(slot: i32, value: i32): void {
  store<i32>(OUT_BASE + (slot << 2), value);
}
@inline export function getI32(column: i32, index: i32): i32 {
  return load<i32>(header(column) + (index << 2));
}
@inline export function setI32(column: i32, index: i32, value: i32): void {
  store<i32>(header(column) + (index << 2), value);
}
@inline export function getF64(column: i32, index: i32): f64 {
  return load<f64>(header(column) + (index << 3));
}
@inline export function setF64(column: i32, index: i32, value: f64): void {
  store<f64>(header(column) + (index << 3), value);
}
@inline export function getU8(column: i32, index: i32): i32 {
  return <i32>load<u8>(header(column) + index);
}
