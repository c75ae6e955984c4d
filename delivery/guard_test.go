package delivery_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"

	"github.com/relato/relato/delivery"
)

func TestGuard_RefusesInternalAddresses(t *testing.T) {
	t.Parallel()
	g := delivery.DefaultGuard()
	cases := []struct {
		ip      string
		refused bool
	}{
		{"127.0.0.1", true}, {"10.1.2.3", true}, {"172.16.0.1", true}, {"172.31.255.255", true}, {"192.168.1.1", true},
		{"169.254.169.254", true}, {"100.64.0.1", true}, {"100.100.100.200", true}, {"0.0.0.0", true},
		{"::1", true}, {"fe80::1", true}, {"fd00:ec2::254", true}, {"::ffff:127.0.0.1", true}, {"::ffff:10.0.0.1", true},
		{"8.8.8.8", false}, {"172.32.0.1", false}, {"100.128.0.1", false}, {"2001:4860:4860::8888", false},
	}
	for _, c := range cases {
		err := g.CheckIP(netip.MustParseAddr(c.ip))
		if got := errors.Is(err, delivery.ErrAddressRefused); got != c.refused {
			t.Errorf("CheckIP(%s) = %v, want refused=%v", c.ip, err, c.refused)
		}
	}
}

func TestGuard_AllowListPermitsOnlyWhatItNames(t *testing.T) {
	t.Parallel()
	g := delivery.MustNewGuard("127.0.0.0/8", "10.9.0.5")
	for ip, refused := range map[string]bool{"127.0.0.1": false, "127.9.9.9": false, "10.9.0.5": false, "10.9.0.6": true, "192.168.0.1": true} {
		if got := errors.Is(g.CheckIP(netip.MustParseAddr(ip)), delivery.ErrAddressRefused); got != refused {
			t.Errorf("%s refused=%v, want %v", ip, got, refused)
		}
	}
	if _, err := delivery.NewGuard("10.0.0.0/33"); err == nil {
		t.Error("a bad CIDR was accepted")
	}
}

// The check runs on the address dialled after resolution: "localhost" is
// refused although the name itself looks harmless.
func TestGuard_ChecksTheResolvedAddressAtDialTime(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	for _, host := range []string{"127.0.0.1", "localhost"} {
		_, err := delivery.DefaultGuard().DialContext(context.Background(), "tcp", net.JoinHostPort(host, port))
		if !errors.Is(err, delivery.ErrAddressRefused) || !delivery.IsPermanent(err) {
			t.Errorf("dial %s: err = %v, want permanent ErrAddressRefused", host, err)
		}
	}
	c, err := delivery.MustNewGuard("127.0.0.0/8").DialContext(context.Background(), "tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("allowed dial: %v", err)
	}
	c.Close()
	c, err = delivery.MustNewGuard("localhost").DialContext(context.Background(), "tcp", net.JoinHostPort("localhost", port))
	if err != nil {
		t.Fatalf("dial to an allowed host name: %v", err)
	}
	c.Close()
}

func TestDestinations_UseTheGuard(t *testing.T) {
	t.Parallel()
	// No server is needed: the guard refuses before any packet is sent.
	cases := []struct{ kind, cfg string }{
		{delivery.KindFTP, `{"host":"127.0.0.1","port":2121,"username":"u","password":"p"}`},
		{delivery.KindFTPES, `{"host":"127.0.0.1","port":2121,"username":"u","password":"p"}`},
		{delivery.KindFTPS, `{"host":"127.0.0.1","port":2121,"username":"u","password":"p"}`},
		{delivery.KindSFTP, `{"host":"127.0.0.1","port":2222,"username":"u","password":"p","insecure_ignore_host_key":true}`},
		{delivery.KindEmail, `{"host":"169.254.169.254","port":2525,"from":"a@example.com","recipients":["b@example.com"]}`},
	}
	for _, c := range cases {
		d, err := delivery.New(c.kind, []byte(c.cfg))
		if err != nil {
			t.Fatal(err)
		}
		_, err = d.Send(context.Background(), csvFile("a.csv", []byte("x\n")))
		if !errors.Is(err, delivery.ErrAddressRefused) {
			t.Errorf("%s: err = %v, want ErrAddressRefused", c.kind, err)
		}
	}
}
