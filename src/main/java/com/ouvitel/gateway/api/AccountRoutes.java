package com.ouvitel.gateway.api;

import com.ouvitel.gateway.Bus;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;

/** Operator calls on accounts, behind the admin token. */
final class AccountRoutes {

  private static final List<String> LICENSES = List.of("premium", "best_effort");

  private final ApiVerticle.Services services;

  AccountRoutes(ApiVerticle.Services services) {
    this.services = services;
  }

  void mount(Router router) {
    router.post("/v1/accounts").handler(this::create);
    router.get("/v1/accounts/:id").handler(this::read);
    router.patch("/v1/accounts/:id").handler(this::changeLicense);
    router.post("/v1/accounts/:id/api-keys").handler(this::addKey);
  }

  private void create(RoutingContext ctx) {
    JsonObject body = RequestBodies.object(ctx, Set.of("name", "license"));
    String name = RequestBodies.string(body, "name", true, 200);
    if (name.isBlank()) {
      throw ApiError.invalidField("name", "must not be blank");
    }
    String license = license(body, true);
    services.accounts().create(name, license)
        .onSuccess(account -> {
          ChangeLog.accountCreated(account);
          Replies.json(ctx, 201, account);
        })
        .onFailure(ctx::fail);
  }

  private void read(RoutingContext ctx) {
    services.accounts().find(ctx.pathParam("id")).onSuccess(account -> {
      if (account == null) {
        ctx.fail(ApiError.notFound("account"));
      } else {
        Replies.json(ctx, 200, account);
      }
    }).onFailure(ctx::fail);
  }

  private void changeLicense(RoutingContext ctx) {
    JsonObject body = RequestBodies.object(ctx, Set.of("license"));
    String license = license(body, true);
    services.accounts().changeLicense(ctx.pathParam("id"), license)
        .compose(changed -> changed == null ? Future.succeededFuture(changed)
            : Bus.stopWebhooks(ctx.vertx(), changed.disabledWebhooks()).map(changed))
        .onSuccess(changed -> {
          if (changed == null) {
            ctx.fail(ApiError.notFound("account"));
            return;
          }
          ChangeLog.licenseChanged(ctx.pathParam("id"), license,
              changed.disabledWebhooks().length);
          Replies.json(ctx, 200, changed.account());
        }).onFailure(ctx::fail);
  }

  private void addKey(RoutingContext ctx) {
    services.accounts().addKey(ctx.pathParam("id")).onSuccess(key -> {
      if (key == null) {
        ctx.fail(ApiError.notFound("account"));
      } else {
        ChangeLog.apiKeyAdded(ctx.pathParam("id"));
        Replies.json(ctx, 201, new JsonObject().put("apiKey", key));
      }
    }).onFailure(ctx::fail);
  }

  private static String license(JsonObject body, boolean required) {
    String license = RequestBodies.string(body, "license", required, 20);
    if (license != null && !LICENSES.contains(license)) {
      throw ApiError.invalidField("license", "must be premium or best_effort");
    }
    return license;
  }
}
