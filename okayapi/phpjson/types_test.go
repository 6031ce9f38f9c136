package phpjson_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/okayapi-go/sdk/okayapi/phpjson"
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
		want    phpjson.Int
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
			got, err := decodeField[phpjson.Int](tt.in)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// testToken stands for a token the service echoed back in a field.
const testToken = "FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210"

func TestIntErrorDoesNotEchoTheValue(t *testing.T) {
	t.Parallel()
	_, err := decodeField[phpjson.Int](`"` + testToken + `"`)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testToken[:8])
	assert.Contains(t, err.Error(), "string")
}

func TestBool(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    phpjson.Bool
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
		{`2`, true, false},
		{`-1`, true, false},
		{`"2"`, true, false},
		{`2.5`, false, true},
		{`"yes"`, false, true},
		{`"on"`, false, true},
		{`{}`, false, true},
		{`[]`, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := decodeField[phpjson.Bool](tt.in)
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
		want    phpjson.String
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
			got, err := decodeField[phpjson.String](tt.in)
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
			got, err := decodeField[phpjson.Object](tt.in)
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
	o, err := decodeField[phpjson.Object](`{"yesapi_avatar":"http:\/\/a.test\/x.png","age":"18"}`)
	require.NoError(t, err)
	fields, err := o.Fields()
	require.NoError(t, err)
	require.Len(t, fields, 2)
	assert.JSONEq(t, `"18"`, string(fields["age"]))

	empty, err := decodeField[phpjson.Object](`[]`)
	require.NoError(t, err)
	fields, err = empty.Fields()
	require.NoError(t, err)
	assert.Empty(t, fields)

	b, err := json.Marshal(struct {
		A phpjson.Object `json:"a"`
		B phpjson.Object `json:"b"`
	}{A: nil, B: o})
	require.NoError(t, err)
	assert.JSONEq(t, `{"a":{},"b":{"yesapi_avatar":"http://a.test/x.png","age":"18"}}`, string(b))
	assert.True(t, phpjson.Object(nil).IsEmpty())
}

func TestObjectDoesNotKeepTheDecoderBuffer(t *testing.T) {
	t.Parallel()
	buf := []byte(`{"v":{"a":1}}`)
	var holder struct {
		V phpjson.Object `json:"v"`
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
		in         string
		want       []phpjson.Int
		unreadable []int
		wantErr    bool
	}{
		{`[1,"2",3.0]`, []phpjson.Int{1, 2, 3}, nil, false},
		{`[]`, nil, nil, false},
		{`null`, nil, nil, false},
		{`{"0":1,"1":"2"}`, []phpjson.Int{1, 2}, nil, false},
		{`{"5":"7","2":8}`, []phpjson.Int{7, 8}, nil, false},
		{`{}`, nil, nil, false},
		{`"x"`, nil, nil, true},
		{`12`, nil, nil, true},
		{`[1,"x",{"a":1}]`, []phpjson.Int{1, 0, 0}, []int{1, 2}, false},
		{`{"a":"x"}`, []phpjson.Int{0}, []int{0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := decodeField[phpjson.List[phpjson.Int]](tt.in)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Items)
			assert.False(t, got.Truncated)
			var bad []int
			for i := range got.Unreadable {
				bad = append(bad, i)
			}
			slices.Sort(bad)
			assert.Equal(t, tt.unreadable, bad, "one odd item never hides the others")
		})
	}
}

// TestListMax: no more than Max items are read; the rest are skipped, not decoded.
func TestListMax(t *testing.T) {
	t.Parallel()
	items := strings.Repeat(`"1",`, 10000) + `"1"`
	for in, want := range map[string][]phpjson.Int{"[" + items + "]": {1, 1, 1}, `{"a":1,"b":2,"c":3,"d":4}`: {1, 2, 3}} {
		l := phpjson.List[phpjson.Int]{Max: 3}
		require.NoError(t, json.Unmarshal([]byte(in), &l))
		assert.Equal(t, want, l.Items)
		assert.True(t, l.Truncated)
	}
	var l phpjson.List[phpjson.Int]
	require.NoError(t, json.Unmarshal([]byte("["+items+"]"), &l))
	assert.Len(t, l.Items, phpjson.DefaultListMax, "a zero Max means DefaultListMax")
}

func TestListOfStructs(t *testing.T) {
	t.Parallel()
	type item struct {
		ID   phpjson.Int    `json:"id"`
		Read phpjson.Bool   `json:"is_read"`
		Ext  phpjson.Object `json:"ext"`
	}
	l, err := decodeField[phpjson.List[item]](`{"a":{"id":"1","is_read":"1","ext":[]},"b":{"id":2,"is_read":0,"ext":{"k":"v"}}}`)
	require.NoError(t, err)
	got := l.Items
	require.Len(t, got, 2)
	assert.Equal(t, phpjson.Int(1), got[0].ID)
	assert.True(t, bool(got[0].Read))
	assert.True(t, got[0].Ext.IsEmpty())
	assert.Equal(t, phpjson.Int(2), got[1].ID)
	assert.False(t, bool(got[1].Read))
	assert.JSONEq(t, `{"k":"v"}`, string(got[1].Ext))
}

// TestLenient: what T cannot read is zero, kept raw, and fails nothing.
func TestLenient(t *testing.T) {
	t.Parallel()
	var row struct {
		ID   phpjson.Lenient[phpjson.Int]    `json:"id"`
		Name phpjson.Lenient[phpjson.String] `json:"name"`
		Obj  phpjson.Lenient[phpjson.Object] `json:"obj"`
		Flag phpjson.Lenient[phpjson.Bool]   `json:"flag"`
		Gone phpjson.Lenient[phpjson.Int]    `json:"gone"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"id":"x1","name":{"a":1},"obj":"[]","flag":"2"}`), &row))
	assert.Zero(t, row.ID.Value)
	assert.False(t, row.ID.OK())
	assert.Equal(t, `"x1"`, string(row.ID.Raw))
	assert.Zero(t, row.Name.Value)
	assert.JSONEq(t, `{"a":1}`, string(row.Name.Raw))
	assert.True(t, row.Obj.OK(), `"[]" is PHP's empty object kept as text`)
	assert.True(t, row.Obj.Value.IsEmpty())
	assert.True(t, bool(row.Flag.Value), "any non-zero integer is true, as in PHP")
	assert.True(t, row.Gone.OK(), "an absent field is not unreadable")
}

// TestProfile: a member's profile is read leniently and never fails.
func TestProfile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want phpjson.Profile
	}{
		{`{"username":"bob","ext_info":{"nickname":"Bob","yesapi_avatar":"https://a/b.png","age":"18","city":"\u5e7f\u5dde"}}`,
			phpjson.Profile{Username: "bob", Nickname: "Bob", Avatar: "https://a/b.png", Age: 18,
				Ext: map[string]any{"nickname": "Bob", "yesapi_avatar": "https://a/b.png", "age": "18", "city": "广州"}}},
		{`{"username":"bob","ext_info":[]}`, phpjson.Profile{Username: "bob", Ext: map[string]any{}}},
		{`{"username":"bob","ext_info":"{\"age\":7}"}`, phpjson.Profile{Username: "bob", Age: 7, Ext: map[string]any{"age": json.Number("7")}}},
		{`{"username":12,"ext_info":"not json"}`, phpjson.Profile{Username: "12"}},
		{`false`, phpjson.Profile{}},
		{`[]`, phpjson.Profile{}},
		{`null`, phpjson.Profile{}},
		{`"x"`, phpjson.Profile{}},
	}
	for _, tt := range tests {
		var got phpjson.Profile
		require.NoError(t, json.Unmarshal([]byte(tt.in), &got), tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}
