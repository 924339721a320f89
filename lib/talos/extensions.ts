import type { TalosVersion } from '../versions';

/** Official Talos system extensions that add-ons depend on (Image Factory names); Talos 1.13 and 1.14 ship them all. */
export const EXTENSIONS = {
  kataContainers: 'siderolabs/kata-containers',
  nvidiaKmodProduction: 'siderolabs/nonfree-kmod-nvidia-production',
  nvidiaKmodLts: 'siderolabs/nonfree-kmod-nvidia-lts',
  nvidiaOpenKmodProduction: 'siderolabs/nvidia-open-gpu-kernel-modules-production',
  nvidiaOpenKmodLts: 'siderolabs/nvidia-open-gpu-kernel-modules-lts',
  nvidiaToolkitProduction: 'siderolabs/nvidia-container-toolkit-production',
  nvidiaToolkitLts: 'siderolabs/nvidia-container-toolkit-lts',
} as const;

/** gVisor, which registers the `runsc` and `runsc-kvm` runtime handlers. */
export const GVISOR_EXTENSION = 'siderolabs/gvisor';

/**
 * The families of extensions whose lists the project holds: NVIDIA, Kata Containers, gVisor (the listing of
 * siderolabs/extensions covers them). An extension of another family (siderolabs/iscsi-tools, ...) is not checked.
 */
const CHECKED_FAMILY = /nvidia|kata|gvisor/;

/**
 * The extensions of those families each Talos minor ships, by Image Factory name.
 * 1.13: what the project has relied on (EXTENSIONS); no listing of 1.13 is vendored.
 * 1.14: the folders of siderolabs/extensions v1.14.0-rc.1 (schemas/upstream/talos/extensions-v1.14.0-rc.1.txt),
 * each named as its package is (`nvidia-gpu/nvidia-modules/lts` → nvidia-open-gpu-kernel-modules-lts);
 * test/versions.test.ts checks each against the listing.
 */
export const SHIPPED_EXTENSIONS: Readonly<Record<TalosVersion, readonly string[]>> = {
  '1.13': Object.values(EXTENSIONS),
  '1.14': [
    ...Object.values(EXTENSIONS),
    'siderolabs/kata-containers-snp',
    GVISOR_EXTENSION,
    'siderolabs/gvisor-debug',
    'siderolabs/nvidia-fabricmanager-lts',
    'siderolabs/nvidia-fabricmanager-production',
    'siderolabs/nvidia-gdrdrv-device',
  ],
};

/** The folder of siderolabs/extensions each 1.14 name comes from (for the test against the listing). */
export const EXTENSION_FOLDERS_1_14: Readonly<Record<string, string>> = {
  [EXTENSIONS.kataContainers]: 'container-runtime/kata-containers',
  'siderolabs/kata-containers-snp': 'container-runtime/kata-containers-snp',
  [GVISOR_EXTENSION]: 'container-runtime/gvisor',
  'siderolabs/gvisor-debug': 'container-runtime/gvisor-debug',
  [EXTENSIONS.nvidiaKmodLts]: 'nvidia-gpu/nonfree/kmod-nvidia/lts',
  [EXTENSIONS.nvidiaKmodProduction]: 'nvidia-gpu/nonfree/kmod-nvidia/production',
  [EXTENSIONS.nvidiaOpenKmodLts]: 'nvidia-gpu/nvidia-modules/lts',
  [EXTENSIONS.nvidiaOpenKmodProduction]: 'nvidia-gpu/nvidia-modules/production',
  [EXTENSIONS.nvidiaToolkitLts]: 'nvidia-gpu/nvidia-container-toolkit/lts',
  [EXTENSIONS.nvidiaToolkitProduction]: 'nvidia-gpu/nvidia-container-toolkit/production',
  'siderolabs/nvidia-fabricmanager-lts': 'nvidia-gpu/nvidia-fabricmanager/lts',
  'siderolabs/nvidia-fabricmanager-production': 'nvidia-gpu/nvidia-fabricmanager/production',
  'siderolabs/nvidia-gdrdrv-device': 'nvidia-gpu/nvidia-gdrdrv-device',
};

/** Why a node cannot list an extension on a Talos minor, or undefined when it can (or its family is not checked). */
export function extensionProblem(extension: string, talosVersion: TalosVersion): string | undefined {
  if (!CHECKED_FAMILY.test(extension) || SHIPPED_EXTENSIONS[talosVersion].includes(extension)) return undefined;
  const others = Object.entries(SHIPPED_EXTENSIONS).filter(([v, list]) => v !== talosVersion && list.includes(extension)).map(([v]) => v);
  const elsewhere = others.length ? `; Talos ${others.join(', ')} ships it` : '';
  return `${JSON.stringify(extension)} is not an extension Talos ${talosVersion} ships${elsewhere} (its NVIDIA, Kata and gVisor extensions: ${SHIPPED_EXTENSIONS[talosVersion].join(', ')})`;
}
