/* hvlab views: the virtio rings, drawn at the foot of the I/O pane. */
#ifndef HV_VIEWS_VIRTQ_H
#define HV_VIEWS_VIRTQ_H

#include "views/snapshot.h"
#include "views/vbuf.h"

/* Lines for each ready virtqueue of VM 0; nothing when none is ready. */
void hv_view_virtq_lines(vbuf *b, const hv_snapshot *s);

#endif
