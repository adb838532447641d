package clientip_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/gatehouse-go/gatehouse/clientip"
)

// A service behind nginx on the same host: the proxy's X-Forwarded-For is
// believed, and a client's attempt to prepend a forged address is ignored.
func Example() {
	res, err := clientip.New(clientip.Options{TrustedProxies: clientip.LoopbackRanges()})
	if err != nil {
		log.Fatal(err)
	}
	handler := res.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("client:", clientip.From(r))
	}))

	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "127.0.0.1:41234"                         // nginx
	r.Header.Set("X-Forwarded-For", "1.2.3.4, 198.51.100.7") // "1.2.3.4" was sent by the client
	handler.ServeHTTP(httptest.NewRecorder(), r)

	r.RemoteAddr = "203.0.113.9:5555" // a direct connection: the header is not read
	handler.ServeHTTP(httptest.NewRecorder(), r)
	// Output:
	// client: 198.51.100.7
	// client: 203.0.113.9
}

// Key groups the addresses of one IPv6 subscriber for rate limiting.
func ExampleKey() {
	fmt.Println(clientip.Key(clientip.Peer(&http.Request{RemoteAddr: "[2001:db8:1:2:3:4:5:6]:443"})))
	fmt.Println(clientip.Key(clientip.Peer(&http.Request{RemoteAddr: "198.51.100.7:443"})))
	// Output:
	// 2001:db8:1:2::
	// 198.51.100.7
}
