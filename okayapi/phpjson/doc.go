// Package phpjson reads JSON as a PHP and MySQL service such as OkayAPI
// writes it, for the wire structs of plugin packages (chatmsg is one); a
// program that only calls a plugin never needs it.
//
// Each type reads one habit of PHP's json_encode and hands back a plain Go
// value:
//
//   - numbers written as strings, and the same field as a number elsewhere:
//     "12" and 12 (Int);
//   - flags as 0/1, as numbers or strings (Bool);
//   - text that may arrive as a number or null (String);
//   - an empty object written as [] or null, or an object kept as JSON text in
//     a string, "[]" included (Object);
//   - lists as arrays, null, or objects keyed 0, 1, … (List);
//   - a member's profile (Profile).
//
// Each strict type fails on a value it cannot read, which fails the whole
// answer with an *okayapi.DecodeError. Lenient[T] reads a field that must
// never fail an answer (a row of a list, an id in the answer to a message
// that was sent): what T cannot read is T's zero value, and the raw value is
// kept. They read the token encoding/json hands them without parsing it
// again.
package phpjson
