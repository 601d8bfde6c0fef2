# Loaded by the Python processes of lab/tempest.sh's `tempest run` (PYTHONPATH), nowhere else.
#
# Debian's tempest 33 (1:33.0.0-1) sleeps 10 s before every subnet delete
# (tempest/lib/services/network/subnets_client.py: "This avoids failures when it takes time to
# teardown some ports"); upstream tempest 33 does not. tempest.api.network deletes a few hundred
# subnets, so that is most of the stage's time. The lab has no agents tearing ports down behind
# the API's back, so the delete is upstream's again, for both the central region and RegionOne.
try:
    from tempest.lib.services.network import subnets_client as _subnets_client

    def _delete_subnet(self, subnet_id):
        return self.delete_resource('/subnets/%s' % subnet_id)

    _subnets_client.SubnetsClient.delete_subnet = _delete_subnet
except ImportError:
    pass
