// promcheck: reads Prometheus text exposition on stdin and parses it with the reference parser of the
// Prometheus Go libraries (github.com/prometheus/common/expfmt). Malformed text: the parser's error on
// stderr, exit 1. Otherwise the families as JSON on stdout, for test/integration/metrics.test.ts.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

type metric struct {
	Labels  map[string]string `json:"labels"`
	Value   *num              `json:"value,omitempty"`
	Count   *uint64           `json:"count,omitempty"`
	Sum     *num              `json:"sum,omitempty"`
	Buckets map[string]uint64 `json:"buckets,omitempty"`
}

// num is a sample value as Prometheus writes it ("NaN", "+Inf" included): JSON has no such numbers.
type num string

func numOf(v float64) *num {
	n := num(strconv.FormatFloat(v, 'g', -1, 64))
	return &n
}

type family struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Metrics []metric `json:"metrics"`
}

func main() {
	model.NameValidationScheme = model.LegacyValidation // the names Prometheus servers accept everywhere
	var parser expfmt.TextParser
	families, err := parser.TextToMetricFamilies(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	names := make([]string, 0, len(families))
	for name := range families {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]family, 0, len(families))
	for _, name := range names {
		mf := families[name]
		f := family{Name: name, Type: mf.GetType().String()}
		for _, m := range mf.GetMetric() {
			x := metric{Labels: map[string]string{}}
			for _, l := range m.GetLabel() {
				x.Labels[l.GetName()] = l.GetValue()
			}
			switch mf.GetType() {
			case dto.MetricType_COUNTER:
				x.Value = numOf(m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				x.Value = numOf(m.GetGauge().GetValue())
			case dto.MetricType_UNTYPED:
				x.Value = numOf(m.GetUntyped().GetValue())
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				c := h.GetSampleCount()
				x.Count, x.Sum = &c, numOf(h.GetSampleSum())
				x.Buckets = map[string]uint64{}
				for _, b := range h.GetBucket() {
					x.Buckets[fmt.Sprint(b.GetUpperBound())] = b.GetCumulativeCount()
				}
			case dto.MetricType_SUMMARY:
				c := m.GetSummary().GetSampleCount()
				x.Count, x.Sum = &c, numOf(m.GetSummary().GetSampleSum())
			}
			f.Metrics = append(f.Metrics, x)
		}
		out = append(out, f)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
