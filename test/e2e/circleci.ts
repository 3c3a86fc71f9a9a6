// What CircleCI Server runs on every new Nomad client, for the tests that replay it on a lab client.

// CircleCI server-terraform nomad-aws/template/nomad-startup.sh.tpl, verbatim but for the last
// line: the lab has no `service`, so `systemctl restart docker` (what `service` runs under systemd).
// userns-remap=default works in the lab's dockerd (it creates the dockremap user and its subuid
// range itself), so nothing is substituted.
export const CIRCLECI_STARTUP = `
docker_network_cidr=10.250.0.0/16
mkdir -p /etc/docker
[ -f /etc/docker/daemon.json ] || echo '{}' > /etc/docker/daemon.json
cp /etc/docker/daemon.json /etc/docker/daemon.json.orig
cat <<EOT > /etc/docker/daemon.json
{ "userns-remap": "default", "default-address-pools": [ { "base":"\${docker_network_cidr}" , "size":24 } ] }
EOT
systemctl restart docker
`;
