/* hvlab engine: the vCPU's interrupts and time: the VM's clock, the PIT
 * deadline, the 8259A's INTR line, delivery at instruction boundaries,
 * HLT, and console input for the UART (issue 8; FIDELITY.md "Device
 * emulation").
 *
 * TIME is modelled, never the host's: the VM's clock is the cycles its
 * own events and instructions cost (machine.c adds them) plus the cycles
 * it spent halted. The PIT's 1.193182 MHz input is that clock converted at
 * cfg.cpu_mhz. The code hook compares the clock with `deadline` (the
 * clock value of the PIT's next rising edge) once per instruction; HLT
 * jumps the clock to the deadline (a HALT_IDLE event). Same scenario, same
 * seed: same ticks at the same instructions.
 *
 * HOW AN INTERRUPT ARRIVES: a device line -> the 8259A -> INTR. At the
 * next instruction boundary with EFLAGS.IF = 1 and no STI/MOV SS shadow,
 * the CPU acknowledges (INTA: the vector) and vectors through the guest's
 * IDT (an INTERRUPT event). Under a hypervisor the same interrupt is
 * *injected* at a VM entry (INTERRUPT with injected = 1, charged
 * cost.irq_inject), and what it costs in exits depends on when it came,
 * as on VT-x with KVM:
 *   - raised while a VM exit was being handled (the UART's THRE after an
 *     OUT exit, a timer while the vCPU sat in its HLT exit): injected at
 *     that exit's VM entry, no exit of its own;
 *   - raised while the guest ran (a timer): an external-interrupt exit
 *     (reason 1) first, as the host's timer interrupt takes the CPU;
 *   - pending while the guest has IF = 0: KVM asks for interrupt-window
 *     exiting, and the guest's STI (once its shadow passes) gives an
 *     interrupt-window exit (reason 7) before the injection.
 * Simplification: a host timer event that raises no guest interrupt (a
 * masked line) costs no exit here; on KVM the hrtimer still fires.
 */
#include "machine.h"
#include "vcpu_internal.h"

#define EFLAGS_IF (1u << 9)

static uint64_t cpu_hz(const hv_vm *vm)
{
    return (uint64_t)vm->m->cfg.cpu_mhz * 1000000u;
}

/* Clock cycles -> ticks of a device clock of `hz` elapsed (rounded down). */
static uint64_t clock_to_ticks(const hv_vm *vm, uint64_t clk, uint64_t hz)
{
    return (uint64_t)((unsigned __int128)clk * hz / cpu_hz(vm));
}

/* The first clock value at which device tick `tick` has come. */
static uint64_t ticks_to_clock(const hv_vm *vm, uint64_t tick, uint64_t hz)
{
    if (tick == UINT64_MAX)
        return UINT64_MAX;
    unsigned __int128 c = ((unsigned __int128)tick * cpu_hz(vm) + hz - 1) / hz;
    return c >= UINT64_MAX ? UINT64_MAX : (uint64_t)c;
}

static uint64_t pit_clock(void *ctx)
{
    hv_vm *vm = ctx;
    return clock_to_ticks(vm, hv_vcpu_clock(vm), HV_PIT_HZ);
}

static uint64_t uart_clock(void *ctx)
{
    hv_vm *vm = ctx;
    return clock_to_ticks(vm, hv_vcpu_clock(vm), HV_UART_CLOCK_HZ);
}

/* When each timed device next changes a line, in clock cycles. The PIT's
 * is counted from where it last caught up, not from now: a rise that came
 * while an instruction ran (an I/O exit costs thousands of cycles) is
 * still due at the next boundary. */
static uint64_t pit_deadline(const hv_vm *vm)
{
    return ticks_to_clock(vm, hv_pit_next_rise(&vm->pit, vm->pit.last),
                          HV_PIT_HZ);
}

static uint64_t uart_deadline(const hv_vm *vm)
{
    return ticks_to_clock(vm, hv_uart16550_next_event(&vm->uart),
                          HV_UART_CLOCK_HZ);
}

/* The virtio backend works in the VM's own clock (cycles). */
static uint64_t virtio_deadline(const hv_vm *vm)
{
    return hv_virtio_next_event(&vm->virtio);
}

static uint64_t vm_clock(void *ctx)
{
    return hv_vcpu_clock(ctx);
}

void hv_vcpu_timer_rearm(hv_vm *vm)
{
    uint64_t p = pit_deadline(vm), u = uart_deadline(vm);
    uint64_t v = virtio_deadline(vm);
    vm->deadline = p < u ? p : u;
    if (v < vm->deadline)
        vm->deadline = v;
}

void hv_vcpu_timers_run(hv_vm *vm)
{
    uint64_t now = hv_vcpu_clock(vm);
    hv_pit_advance(&vm->pit, clock_to_ticks(vm, now, HV_PIT_HZ));
    hv_uart16550_advance(&vm->uart, clock_to_ticks(vm, now, HV_UART_CLOCK_HZ));
    hv_virtio_advance(&vm->virtio, now);
    hv_vcpu_timer_rearm(vm);
}

/* --- lines into the 8259A, INTR out of it ------------------------------- */

static void set_intr(void *ctx, bool level)
{
    hv_vm *vm = ctx;
    bool rose = level && !vm->intr_line;
    vm->intr_line = level;
    if (level)
        vm->waiting_input = false; /* an interrupt wakes the HLT */
    if (!level) {
        /* Nothing to inject any more (a mask, an ICW1, an EOI-less ack):
         * the hypervisor re-evaluates at its next entry. */
        vm->intr_window = false;
        vm->intr_extint = false;
    }
    if (rose && vm->hypervised && !vm->in_exit && !vm->intr_extint) {
        /* The host's interrupt takes the CPU from the guest now. */
        vm->intr_extint = true;
        hv_vm_exit(vm, HV_EXIT_EXT_INTR, 0, HV_CAUSE_NONE);
    }
}

static void pit_irq0(void *ctx, int level)
{
    hv_vm *vm = ctx;
    hv_pic_set_irq(&vm->pic, 0, level);
}

static void nic_irq9(void *ctx, int level)
{
    hv_vm *vm = ctx;
    hv_pic_set_irq(&vm->pic, 9, level);
}

static void virtio_irq11(void *ctx, int level)
{
    hv_vm *vm = ctx;
    hv_pic_set_irq(&vm->pic, HV_VIRTIO_IRQ, level);
}

static void fdc_irq6(void *ctx, int level)
{
    hv_vm *vm = ctx;
    hv_pic_set_irq(&vm->pic, 6, level);
}

void hv_vcpu_irq10(void *ctx, int level)
{
    hv_vm *vm = ctx;
    hv_pic_set_irq(&vm->pic, 10, level);
}

static void uart_irq4(void *ctx, int level)
{
    hv_vm *vm = ctx;
    hv_pic_set_irq(&vm->pic, 4, level);
}

/* --- console input -------------------------------------------------------- */

/* The receiver is empty: the next queued byte enters it. */
static void rx_pull(void *ctx)
{
    hv_vm *vm = ctx;
    if (!vm->rx_len || !hv_uart16550_can_receive(&vm->uart))
        return;
    uint8_t byte = vm->rx_queue[vm->rx_head];
    vm->rx_head = (vm->rx_head + 1) % sizeof vm->rx_queue;
    vm->rx_len--;
    hv_uart16550_receive(&vm->uart, byte);
}

hv_err hv_vcpu_console_input(hv_vm *vm, const uint8_t *bytes, size_t len,
                             size_t *taken)
{
    size_t n = 0;
    for (; n < len && vm->rx_len < sizeof vm->rx_queue; n++) {
        uint32_t tail = (vm->rx_head + vm->rx_len) % sizeof vm->rx_queue;
        vm->rx_queue[tail] = bytes[n];
        vm->rx_len++;
        hv_machine_emit(vm, HV_EV_CONSOLE_IN, bytes[n], vm->rx_len, 0, 0);
    }
    if (taken)
        *taken = n;
    rx_pull(vm);
    return n == len ? HV_OK : HV_ERR_NOMEM;
}

/* --- delivery ----------------------------------------------------------------
 */

bool hv_vcpu_if(hv_vm *vm)
{
    if (!vm->if_valid) {
        uint32_t eflags;
        uc_reg_read(vm->uc, UC_X86_REG_EFLAGS, &eflags);
        vm->if_cached = eflags & EFLAGS_IF;
        vm->if_valid = true;
    }
    return vm->if_cached;
}

bool hv_vcpu_interrupt(hv_vm *vm, uint32_t eip, bool shadow)
{
    if (vm->if_valid && !vm->if_cached && vm->intr_window)
        return false; /* still blocked, and the hypervisor already knows */
    if (shadow || !hv_vcpu_if(vm)) {
        /* KVM: the interrupt waits for the guest's STI, with interrupt-
         * window exiting on. */
        /* (Natively the flag only marks "known blocked".) */
        vm->intr_window = true;
        return false;
    }
    if (vm->hypervised && vm->intr_window)
        hv_vm_exit(vm, HV_EXIT_INTR_WINDOW, 0, HV_CAUSE_NONE);
    vm->intr_window = false;
    vm->intr_extint = false;
    unsigned irq = 0;
    uint8_t vector = hv_pic_ack(&vm->pic, &irq);
    hv_machine_emit(vm, HV_EV_INTERRUPT, vector, irq, vm->hypervised, eip);
    hv_except_interrupt(vm, vector, eip);
    return true;
}

bool hv_vcpu_halt_wait(hv_vm *vm, uint32_t eip)
{
    bool was = vm->in_exit;
    vm->in_exit = true; /* the vCPU sits in its HLT (exit, under a
                           hypervisor): a wake-up costs no exit of its own */
    /* Only a device whose line can reach the CPU can wake it; and an edge
     * may raise no request (IRQ 0 already pending or in service): a few
     * events at most, then nothing will wake it. */
    /* Bounded: a timer edge may raise no request, and a virtio backend
     * with EVENT_IDX completes up to a queue's worth of buffers before the
     * one that interrupts (§2.6.7.2); the UART drains its FIFO. Past that
     * many events with no interrupt, none will come. */
    const int max_events = 8 + 2 * (int)HV_VIRTQ_MAX_SIZE + 32;
    for (int i = 0; i < max_events && !vm->intr_line; i++) {
        uint64_t due = UINT64_MAX;
        if (hv_pic_irq_unmasked(&vm->pic, 0))
            due = pit_deadline(vm);
        if (hv_pic_irq_unmasked(&vm->pic, 4) && uart_deadline(vm) < due)
            due = uart_deadline(vm);
        if (hv_pic_irq_unmasked(&vm->pic, HV_VIRTIO_IRQ) &&
            virtio_deadline(vm) < due)
            due = virtio_deadline(vm);
        if (due == UINT64_MAX)
            break;
        uint64_t now = hv_vcpu_clock(vm);
        if (due > now) {
            uint64_t idle = due - now;
            vm->idle += idle;
            hv_machine_emit(vm, HV_EV_HALT_IDLE, (uint32_t)idle,
                            (uint32_t)(idle >> 32), 0, eip);
        }
        hv_vcpu_timers_run(vm);
    }
    vm->in_exit = was;
    return vm->intr_line;
}

hv_err hv_vcpu_virtio_init(hv_vm *vm)
{
    /* An emulated (paravirtual) device: the hypervisor does its DMA
     * through the VM's P2M (vcpu_dma.c). */
    hv_virtio_init(&vm->virtio, hv_vcpu_dma_emulated(vm), hv_vm_console_put,
                   virtio_irq11, vm_clock, vm, vm->emit);
    hv_err err = hv_mmio_bus_add(&vm->mmio, HV_VIRTIO_BASE, HV_VIRTIO_LEN,
                                 &hv_virtio_mmio_ops, &vm->virtio);
    /* QEMU registers QueueNotify as an ioeventfd (virtio-mmio's
     * "ioeventfd" property, on by default): KVM signals the device from
     * the kernel, with no trip to user space. */
    if (!err)
        err = hv_mmio_bus_set_ioeventfd(&vm->mmio, HV_VIRTIO_BASE +
                                                       HV_VIRTIO_QUEUE_NOTIFY);
    return err;
}

bool hv_vcpu_input_can_wake(const hv_vm *vm)
{
    return (vm->uart.ier & 0x01u) && hv_pic_irq_unmasked(&vm->pic, 4);
}

/* --- wiring
 * -------------------------------------------------------------------- */

hv_err hv_vcpu_irq_init(hv_vm *vm)
{
    hv_err err;
    hv_pic_init(&vm->pic, set_intr, vm, vm->emit);
    hv_pit_init(&vm->pit, pit_clock, pit_irq0, vm, vm->emit);
    hv_uart16550_set_irq(&vm->uart, uart_irq4, rx_pull, vm);
    /* The line runs at the guest's baud rate only when the machine asks:
     * QEMU's is infinitely fast, and so is hvlab's by default. */
    if (vm->m->cfg.uart_line_timing)
        hv_uart16550_set_clock(&vm->uart, uart_clock);
    hv_fdc_init(&vm->fdc, fdc_irq6, vm, vm->emit);
    /* A locally administered MAC, one per VM (QEMU's default prefix). */
    const uint8_t mac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, (uint8_t)(0x56 + vm->id)};
    hv_ne2000_init(&vm->nic, mac, nic_irq9, vm, vm->emit);
    if ((err = hv_bus_add(&vm->bus, HV_FDC_BASE, 8, &hv_fdc_ops, &vm->fdc)) ||
        (err = hv_bus_add(&vm->bus, HV_NE2000_BASE, HV_NE2000_PORTS,
                          &hv_ne2000_ops, &vm->nic)) ||
        (err = hv_bus_add(&vm->bus, 0x20, 2, &hv_pic8259_ops,
                          &vm->pic.chip[0])) ||
        (err = hv_bus_add(&vm->bus, 0xA0, 2, &hv_pic8259_ops,
                          &vm->pic.chip[1])) ||
        (err = hv_bus_add(&vm->bus, 0x40, 4, &hv_pit8254_ops, &vm->pit)))
        return err;
    /* KVM's default in-kernel irqchip emulates the 8259A pair and the PIT
     * in the kernel (arch/x86/kvm/i8259.c, i8254.c on KVM_PIO_BUS): their
     * exits never reach the user-space device model. */
    if ((err = hv_bus_set_in_kernel(&vm->bus, 0x20)) ||
        (err = hv_bus_set_in_kernel(&vm->bus, 0xA0)) ||
        (err = hv_bus_set_in_kernel(&vm->bus, 0x40)))
        return err;
    vm->deadline = UINT64_MAX;
    return HV_OK;
}

void hv_vcpu_irq_powered_on(hv_vm *vm)
{
    /* Power-on edges (the PIT's output settling) latched requests into
     * the 8259A as on QEMU, but no exit happened before the first
     * instruction. */
    vm->intr_window = vm->intr_extint = false;
    hv_vcpu_timer_rearm(vm);
}
