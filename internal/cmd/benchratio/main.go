// Command benchratio reads `go test -bench` output on standard input and
// prints, for every benchmark with "floor" and "sdk" sub-benchmarks, the
// median ns/op, B/op and allocs/op of each and the ratio sdk ÷ floor, as a
// Markdown table. Run the benchmarks with -count 10 so that the two sides
// interleave and the medians mean something:
//
//	go test -run '^$' -bench . -benchmem -count 10 ./okayapi ./chatmsg ./sign | go run ./internal/cmd/benchratio
package main

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var line = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

type sample map[string][]float64 // unit → values

func main() {
	results := map[string]sample{}
	var order []string
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		name := m[1]
		if _, ok := results[name]; !ok {
			results[name] = sample{}
			order = append(order, name)
		}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err == nil {
				results[name][f[i+1]] = append(results[name][f[i+1]], v)
			}
		}
	}
	fmt.Println("| benchmark | floor ns/op | SDK ns/op | SDK ÷ floor | floor B/op, allocs | SDK B/op, allocs | runs |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, name := range order {
		base, ok := strings.CutSuffix(name, "/floor")
		if !ok {
			continue
		}
		floor, sdk := results[name], results[base+"/sdk"]
		if sdk == nil {
			continue
		}
		fmt.Printf("| %s | %s | %s | **%.2f×** | %s, %s | %s, %s | %d |\n", strings.TrimPrefix(base, "Benchmark"),
			num(median(floor["ns/op"])), num(median(sdk["ns/op"])), median(sdk["ns/op"])/median(floor["ns/op"]),
			num(median(floor["B/op"])), num(median(floor["allocs/op"])), num(median(sdk["B/op"])), num(median(sdk["allocs/op"])),
			len(sdk["ns/op"]))
		for unit, vs := range sdk {
			if strings.Contains(unit, "/s") || unit == "conns" || unit == "goroutines/call" {
				fmt.Printf("|   %s | %s | %s | %.2f× | | | |\n", unit, num(median(floor[unit])), num(median(vs)), median(vs)/median(floor[unit]))
			}
		}
	}
	fmt.Println()
	for _, name := range order {
		if strings.Contains(name, "/floor") || strings.Contains(name, "/sdk") {
			continue
		}
		r := results[name]
		fmt.Printf("- %s: %s ns/op, %s B/op, %s allocs/op (median of %d)\n", strings.TrimPrefix(name, "Benchmark"),
			num(median(r["ns/op"])), num(median(r["B/op"])), num(median(r["allocs/op"])), len(r["ns/op"]))
	}
}

func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func num(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
