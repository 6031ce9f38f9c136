package okayapi_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi"
)

// decodeField decodes {"v": in} into a struct with one field of type T, the
// way the tolerant types are used in wire structs.
func decodeField[T any](in string) (T, error) {
	var holder struct {
		V T `json:"v"`
	}
	err := json.Unmarshal([]byte(`{"v":`+in+`}`), &holder)
	return holder.V, err
}

func TestInt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    okayapi.Int
		wantErr bool
	}{
		{`12`, 12, false},
		{`"12"`, 12, false},
		{`" 12 "`, 12, false},
		{`-7`, -7, false},
		{`"-7"`, -7, false},
		{`12.0`, 12, false},
		{`"12.0"`, 12, false},
		{`1e3`, 1000, false},
		{`""`, 0, false},
		{`"  "`, 0, false},
		{`null`, 0, false},
		{`true`, 1, false},
		{`false`, 0, false},
		{`0`, 0, false},
		{`"0"`, 0, false},
		{`9223372036854775807`, 9223372036854775807, false},
		{`"9007199254740993"`, 9007199254740993, false},
		{`12.5`, 0, true},
		{`"12.5"`, 0, true},
		{`"abc"`, 0, true},
		{`"12abc"`, 0, true},
		{`1e20`, 0, true},
		{`{}`, 0, true},
		{`[]`, 0, true},
		{`[1]`, 0, true},
		{`"true"`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := decodeField[okayapi.Int](tt.in)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestIntErrorDoesNotEchoTheValue(t *testing.T) {
	t.Parallel()
	_, err := decodeField[okayapi.Int](`"` + testToken + `"`)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testToken[:8])
	assert.Contains(t, err.Error(), "string")
}

func TestBool(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    okayapi.Bool
		wantErr bool
	}{
		{`true`, true, false},
		{`false`, false, false},
		{`1`, true, false},
		{`0`, false, false},
		{`"1"`, true, false},
		{`"0"`, false, false},
		{`" 1 "`, true, false},
		{`"true"`, true, false},
		{`"false"`, false, false},
		{`1.0`, true, false},
		{`0.0`, false, false},
		{`""`, false, false},
		{`null`, false, false},
		{`2`, false, true},
		{`-1`, false, true},
		{`"yes"`, false, true},
		{`"on"`, false, true},
		{`{}`, false, true},
		{`[]`, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := decodeField[okayapi.Bool](tt.in)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    okayapi.String
		wantErr bool
	}{
		{`"hello"`, "hello", false},
		{`"\u4f60\u597d"`, "你好", false},
		{`"\ud83d\ude00"`, "😀", false},
		{`"http:\/\/a.test\/x.png"`, "http://a.test/x.png", false},
		{`""`, "", false},
		{`null`, "", false},
		{`12`, "12", false},
		{`12.5`, "12.5", false},
		{`-3`, "-3", false},
		{`true`, "true", false},
		{`{}`, "", true},
		{`{"a":1}`, "", true},
		{`[]`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := decodeField[okayapi.String](tt.in)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestObject(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    string
		empty   bool
		wantErr bool
	}{
		{`{"a":1,"b":"x"}`, `{"a":1,"b":"x"}`, false, false},
		{`{}`, `{}`, true, false},
		{`{ }`, `{ }`, true, false},
		{`[]`, `{}`, true, false},
		{`[ ]`, `{}`, true, false},
		{`null`, `{}`, true, false},
		{`[1,2]`, "", false, true},
		{`"x"`, "", false, true},
		{`12`, "", false, true},
		{`true`, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := decodeField[okayapi.Object](tt.in)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
			assert.Equal(t, tt.empty, got.IsEmpty())
		})
	}
}

func TestObjectFieldsAndMarshal(t *testing.T) {
	t.Parallel()
	o, err := decodeField[okayapi.Object](`{"yesapi_avatar":"http:\/\/a.test\/x.png","age":"18"}`)
	require.NoError(t, err)
	fields, err := o.Fields()
	require.NoError(t, err)
	require.Len(t, fields, 2)
	assert.JSONEq(t, `"18"`, string(fields["age"]))

	empty, err := decodeField[okayapi.Object](`[]`)
	require.NoError(t, err)
	fields, err = empty.Fields()
	require.NoError(t, err)
	assert.Empty(t, fields)

	b, err := json.Marshal(struct {
		A okayapi.Object `json:"a"`
		B okayapi.Object `json:"b"`
	}{A: nil, B: o})
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":{},"b":{"yesapi_avatar":"http://a.test/x.png","age":"18"}}`, string(b))
	assert.True(t, okayapi.Object(nil).IsEmpty())
}

func TestObjectDoesNotKeepTheDecoderBuffer(t *testing.T) {
	t.Parallel()
	buf := []byte(`{"v":{"a":1}}`)
	var holder struct {
		V okayapi.Object `json:"v"`
	}
	require.NoError(t, json.Unmarshal(buf, &holder))
	for i := range buf {
		buf[i] = 'x'
	}
	assert.JSONEq(t, `{"a":1}`, string(holder.V))
}

func TestList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    okayapi.List[okayapi.Int]
		wantErr bool
	}{
		{`[1,"2",3.0]`, okayapi.List[okayapi.Int]{1, 2, 3}, false},
		{`[]`, okayapi.List[okayapi.Int]{}, false},
		{`null`, nil, false},
		{`{"0":1,"1":"2"}`, okayapi.List[okayapi.Int]{1, 2}, false},
		{`{"5":"7","2":8}`, okayapi.List[okayapi.Int]{7, 8}, false},
		{`{}`, nil, false},
		{`"x"`, nil, true},
		{`12`, nil, true},
		{`[1,"x"]`, nil, true},
		{`{"a":"x"}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := decodeField[okayapi.List[okayapi.Int]](tt.in)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Len(t, got, len(tt.want))
		})
	}
}

func TestListOfStructs(t *testing.T) {
	t.Parallel()
	type item struct {
		ID   okayapi.Int    `json:"id"`
		Read okayapi.Bool   `json:"is_read"`
		Ext  okayapi.Object `json:"ext"`
	}
	got, err := decodeField[okayapi.List[item]](`{"a":{"id":"1","is_read":"1","ext":[]},"b":{"id":2,"is_read":0,"ext":{"k":"v"}}}`)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, okayapi.Int(1), got[0].ID)
	assert.True(t, bool(got[0].Read))
	assert.True(t, got[0].Ext.IsEmpty())
	assert.Equal(t, okayapi.Int(2), got[1].ID)
	assert.False(t, bool(got[1].Read))
	assert.JSONEq(t, `{"k":"v"}`, string(got[1].Ext))
}

func TestParseTime(t *testing.T) {
	t.Parallel()
	utc := func(y int, m time.Month, d, hh, mm, ss int) time.Time {
		return time.Date(y, m, d, hh, mm, ss, 0, time.UTC)
	}
	tests := []struct {
		name    string
		in      string
		loc     *time.Location
		want    time.Time // compared as instants
		zero    bool
		wantErr bool
	}{
		{"China time by default", "2019-08-11 17:12:02", nil, utc(2019, 8, 11, 9, 12, 2), false, false},
		{"in UTC", "2019-08-11 17:12:02", time.UTC, utc(2019, 8, 11, 17, 12, 2), false, false},
		{"in a fixed zone", "2019-08-11 17:12:02", time.FixedZone("X", -5*3600), utc(2019, 8, 11, 22, 12, 2), false, false},
		{"white space around", "  2019-08-11 17:12:02\n", time.UTC, utc(2019, 8, 11, 17, 12, 2), false, false},
		{"date alone", "2019-08-11", time.UTC, utc(2019, 8, 11, 0, 0, 0), false, false},
		{"T without zone", "2019-08-11T17:12:02", time.UTC, utc(2019, 8, 11, 17, 12, 2), false, false},
		{"RFC 3339 with offset ignores loc", "2019-08-11T17:12:02+08:00", time.UTC, utc(2019, 8, 11, 9, 12, 2), false, false},
		{"RFC 3339 in UTC", "2019-08-11T09:12:02Z", nil, utc(2019, 8, 11, 9, 12, 2), false, false},
		{"Unix seconds", "1565514722", time.UTC, utc(2019, 8, 11, 9, 12, 2), false, false},
		{"empty", "", time.UTC, time.Time{}, true, false},
		{"zero MySQL date-time", "0000-00-00 00:00:00", time.UTC, time.Time{}, true, false},
		{"zero MySQL date", "0000-00-00", nil, time.Time{}, true, false},
		{"garbage", "yesterday", time.UTC, time.Time{}, false, true},
		{"a flag is no time", "true", time.UTC, time.Time{}, false, true},
		{"a float is no time", "12.0", time.UTC, time.Time{}, false, true},
		{"a negative number is no time", "-5", time.UTC, time.Time{}, false, true},
		{"bad month", "2019-13-11 17:12:02", time.UTC, time.Time{}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := okayapi.ParseTime(tt.in, tt.loc)
			if tt.wantErr {
				require.Error(t, err)
				assert.True(t, got.IsZero())
				return
			}
			require.NoError(t, err)
			if tt.zero {
				assert.True(t, got.IsZero())
				return
			}
			assert.True(t, tt.want.Equal(got), "got %v, want %v", got, tt.want)
		})
	}
}

func TestParseTimeKeepsTheLocation(t *testing.T) {
	t.Parallel()
	loc := time.FixedZone("CST", 8*3600)
	got, err := okayapi.ParseTime("2019-08-11 17:12:02", loc)
	require.NoError(t, err)
	assert.Equal(t, loc, got.Location())
	assert.Equal(t, 17, got.Hour())
}
