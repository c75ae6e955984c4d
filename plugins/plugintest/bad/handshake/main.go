// Command handshake is a test plugin built for another protocol version.
package main

import (
	goplugin "github.com/hashicorp/go-plugin"

	"github.com/relato/relato/plugins/sdk"
)

func main() {
	hs := sdk.Handshake
	hs.ProtocolVersion = sdk.ProtocolVersion + 98
	goplugin.Serve(&goplugin.ServeConfig{
		HandshakeConfig: hs,
		Plugins:         goplugin.PluginSet{sdk.PluginName: &sdk.ReportPlugin{}},
		GRPCServer:      goplugin.DefaultGRPCServer,
	})
}
