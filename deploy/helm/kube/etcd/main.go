// Command etcd is the etcd server at the version k8s.io/kubernetes pins (go.etcd.io/etcd/server/v3), for
// deploy/helm/check-cluster.sh. Debian's etcd-server (3.4.23) lacks the watch-progress requests the API server's
// watch cache needs for streaming watches, and clients then see changes only when they relist.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
