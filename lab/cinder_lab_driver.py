"""The lab's Cinder volume driver: volumes are database rows, never bytes.

Cinder's own FakeLoggingVolumeDriver (python3-cinder's cinder.tests.fake_driver) fakes creation,
deletion, snapshots, clones and attachments, but it inherits extend and image download from the
LVM driver, which need a volume group and device-mapper (this machine has neither). Those two
are faked here too, so the API answers as a cloud with working storage does: an extended volume
is available again at its new size, a volume from an image is available and bootable with the
image's metadata (the volume manager records those).
"""

from oslo_log import log as logging

from cinder.tests import fake_driver

LOG = logging.getLogger(__name__)


class LabVolumeDriver(fake_driver.FakeLoggingVolumeDriver):
    def extend_volume(self, volume, new_size):
        LOG.info('lab: extend %s to %s GB (nothing to grow)', volume.id, new_size)

    def copy_image_to_volume(self, context, volume, image_service, image_id, disable_sparse=False):
        LOG.info('lab: image %s to volume %s (no bytes copied)', image_id, volume.id)

    def copy_volume_to_image(self, context, volume, image_service, image_meta):
        # an empty upload: the image becomes active with size 0
        image_service.update(context, image_meta['id'], {}, b'')
        LOG.info('lab: volume %s to image %s (empty)', volume.id, image_meta['id'])
