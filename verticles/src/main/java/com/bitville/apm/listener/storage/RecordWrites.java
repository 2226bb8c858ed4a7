package com.bitville.apm.listener.storage;

import com.bitville.apm.listener.storage.api.RecordStore;
import com.bitville.apm.listener.storage.api.RecordStore.StoreReply;
import com.bitville.apm.listener.storage.api.RecordStore.StoreRequest;
import io.vertx.core.Future;

/** The ingest side of storage: every store request joins the group commit. */
final class RecordWrites implements RecordStore {

  private final GroupCommitter committer;
  private final String node;

  RecordWrites(GroupCommitter committer, String node) {
    this.committer = committer;
    this.node = node;
  }

  @Override
  public Future<StoreReply> store(StoreRequest request) {
    if (request == null || request.records() == null) {
      return Future.failedFuture(new IllegalArgumentException("malformed store request"));
    }
    return committer.submit(request.records());
  }

  @Override
  public Future<Status> status() {
    return Future.succeededFuture(new Status(node, committer.queuedRecords(), committer.writesFailing()));
  }
}
