package delivery

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// Guard refuses outbound connections to addresses a customer-supplied host
// name must not reach: loopback, private, link-local, CGNAT, cloud metadata,
// unspecified and multicast. The check runs on the IP actually dialled (after
// DNS resolution), so a name that resolves to 10.0.0.1 is refused too.
type Guard struct {
	allow      []netip.Prefix
	allowHosts map[string]bool
	timeout    time.Duration
}

// blocked lists the ranges refused unless allowed.
var blocked = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
		"169.254.0.0/16", // link-local, includes 169.254.169.254 metadata
		"100.64.0.0/10",  // CGNAT, includes 100.100.100.200 (Alibaba metadata)
		"192.0.0.0/24", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
		"168.63.129.16/32", // Azure wire server
		"::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8",
		"fd00:ec2::254/128", // AWS IPv6 metadata (also inside fc00::/7)
		"64:ff9b::/96",      // NAT64 could map to any IPv4, including blocked ones
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// DefaultGuard refuses every internal range.
func DefaultGuard() *Guard { return &Guard{timeout: 30 * time.Second} }

// NewGuard builds a guard whose allow-list holds CIDRs ("10.1.0.0/16"),
// single IPs, or host names (allowed whatever they resolve to).
func NewGuard(allow ...string) (*Guard, error) {
	g := DefaultGuard()
	g.allowHosts = map[string]bool{}
	for _, a := range allow {
		a = strings.TrimSpace(a)
		if p, err := netip.ParsePrefix(a); err == nil {
			g.allow = append(g.allow, p.Masked())
			continue
		}
		if ip, err := netip.ParseAddr(a); err == nil {
			g.allow = append(g.allow, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
			continue
		}
		if a == "" || strings.ContainsAny(a, " /:") {
			return nil, fmt.Errorf("guard allow-list entry %q: not a CIDR, IP or host name", a)
		}
		g.allowHosts[strings.ToLower(strings.TrimSuffix(a, "."))] = true
	}
	return g, nil
}

// MustNewGuard is NewGuard for constants; it panics on a bad entry.
func MustNewGuard(allow ...string) *Guard {
	g, err := NewGuard(allow...)
	if err != nil {
		panic(err)
	}
	return g
}

// CheckIP returns ErrAddressRefused when ip is in a blocked range and not allowed.
func (g *Guard) CheckIP(ip netip.Addr) error {
	ip = ip.Unmap()
	for _, p := range g.allow {
		if p.Contains(ip) {
			return nil
		}
	}
	for _, p := range blocked {
		if p.Contains(ip) {
			return fmt.Errorf("%s is in %s: %w", ip, p, ErrAddressRefused)
		}
	}
	return nil
}

// DialContext dials like net.Dialer but checks every address it connects to.
func (g *Guard) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	d := &net.Dialer{Timeout: g.timeout, KeepAlive: 30 * time.Second}
	if !g.allowHosts[strings.ToLower(strings.TrimSuffix(host, "."))] {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("guard: %w", err)
			}
			if err := g.CheckIP(ap.Addr()); err != nil {
				return fmt.Errorf("connect to %s: %w", host, err)
			}
			return nil
		}
	}
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return conn, nil
}
