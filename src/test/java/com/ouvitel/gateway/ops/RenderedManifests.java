package com.ouvitel.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/**
 * The objects that ops/render-k8s.sh prints for a kustomization, as parsed YAML,
 * with the few accessors the manifest tests need.
 */
final class RenderedManifests {

  private final List<Map<String, Object>> objects;

  private RenderedManifests(List<Map<String, Object>> objects) {
    this.objects = objects;
  }

  /** Renders the kustomization in k8s/ of the project at {@code projectRoot}. */
  static RenderedManifests render(Path projectRoot) {
    ExternalCommand.Result rendering = ExternalCommand.run(projectRoot,
        "bash", projectRoot.resolve("ops/render-k8s.sh").toString(), "k8s");
    rendering.assertSucceeded();

    List<Map<String, Object>> objects = new ArrayList<>();
    for (Object document : new Yaml().loadAll(rendering.stdout())) {
      if (document != null) {
        objects.add(map(document));
      }
    }
    return new RenderedManifests(objects);
  }

  List<Map<String, Object>> all() {
    return objects;
  }

  /** The only object of that kind; fails when there is none or more than one. */
  Map<String, Object> single(String kind) {
    List<Map<String, Object>> found = ofKind(kind);
    assertEquals(1, found.size(), "number of " + kind + " objects rendered");
    return found.get(0);
  }

  List<Map<String, Object>> ofKind(String kind) {
    return objects.stream().filter(object -> kind.equals(object.get("kind"))).toList();
  }

  /** The ConfigMap whose generated name (name plus content hash) starts with this. */
  Map<String, Object> configMapGeneratedFrom(String generatorName) {
    List<Map<String, Object>> found = ofKind("ConfigMap").stream()
        .filter(configMap -> name(configMap).startsWith(generatorName + "-"))
        .toList();
    assertEquals(1, found.size(), "ConfigMaps generated as " + generatorName);
    return found.get(0);
  }

  static String name(Map<String, Object> object) {
    return (String) map(object.get("metadata")).get("name");
  }

  /** Follows map keys from {@code object}; fails with the path when one is missing. */
  static Object at(Map<String, Object> object, String... keys) {
    Object current = object;
    StringBuilder path = new StringBuilder();
    for (String key : keys) {
      path.append('.').append(key);
      current = map(current).get(key);
      assertNotNull(current, "missing " + path + " in " + object.get("kind"));
    }
    return current;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object value) {
    if (!(value instanceof Map)) {
      fail("expected a YAML mapping, got " + value);
    }
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object value) {
    if (!(value instanceof List)) {
      fail("expected a YAML sequence, got " + value);
    }
    return (List<Object>) value;
  }

  /** The element of a list of mappings whose {@code key} has {@code value}. */
  static Map<String, Object> element(Object list, String key, Object value) {
    for (Object item : list(list)) {
      if (value.equals(map(item).get(key))) {
        return map(item);
      }
    }
    return fail("no element with " + key + "=" + value + " in " + list);
  }
}
